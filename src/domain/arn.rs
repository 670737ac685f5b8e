//! The ARNs a role refers to: the IAM OIDC provider it trusts and the managed
//! policies attached to it (or used as its permissions boundary).
//!
//! An ARN reads `arn:<partition>:<service>:<region>:<account>:<resource>`.
//! IAM is a global service, so its ARNs have an empty region. The partition
//! is `aws`, `aws-cn`, `aws-us-gov` or one of the isolated ones; any name of
//! that shape is accepted, so a new partition needs no release.

use std::fmt;

/// An ARN that is not usable where it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    /// The value does not start with `arn:` at all. Issuer URLs land here.
    #[error("{value:?} is not an ARN{hint}")]
    NotAnArn { value: String, hint: &'static str },
    /// The value starts like an ARN but one of its fields is wrong.
    #[error("{value:?} is not a valid ARN: {reason}")]
    Malformed { value: String, reason: String },
    /// A valid ARN of some other kind of object.
    #[error("{value:?} is not {expected} ARN: {reason}")]
    WrongKind {
        value: String,
        expected: &'static str,
        reason: String,
    },
}

/// The six fields of an ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Arn<'a> {
    partition: &'a str,
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn split(value: &str) -> Result<Arn<'_>, ArnError> {
    let Some(rest) = value.strip_prefix("arn:") else {
        let hint = if value.starts_with("https://") || value.starts_with("http://") {
            ": this looks like an issuer URL; give the ARN IAM assigned to the OIDC provider registered for it \
             (arn:aws:iam::<account>:oidc-provider/<host and path>)"
        } else {
            ""
        };
        return Err(ArnError::NotAnArn {
            value: value.to_owned(),
            hint,
        });
    };
    let malformed = |reason: &str| ArnError::Malformed {
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    let mut fields = rest.splitn(5, ':');
    let (Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err(malformed(
            "expected arn:<partition>:<service>:<region>:<account>:<resource>",
        ));
    };
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|p| {
            !p.is_empty()
                && !p.ends_with('-')
                && p.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        });
    if !partition_ok {
        return Err(malformed(&format!(
            "unknown partition {partition:?} (expected e.g. aws, aws-cn, aws-us-gov)"
        )));
    }
    if value.contains(char::is_whitespace) {
        return Err(malformed("it contains whitespace"));
    }
    Ok(Arn {
        partition,
        service,
        region,
        account,
        resource,
    })
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Check the fields every IAM ARN shares: service `iam`, no region.
fn iam_arn<'a>(value: &'a str, expected: &'static str) -> Result<Arn<'a>, ArnError> {
    let arn = split(value)?;
    let wrong = |reason: String| ArnError::WrongKind {
        value: value.to_owned(),
        expected,
        reason,
    };
    if arn.service != "iam" {
        return Err(wrong(format!(
            "its service is {:?}, not \"iam\"",
            arn.service
        )));
    }
    if !arn.region.is_empty() {
        return Err(ArnError::Malformed {
            value: value.to_owned(),
            reason: format!("IAM ARNs have no region, but this one has {:?}", arn.region),
        });
    }
    Ok(arn)
}

/// The ARN of an IAM OIDC identity provider:
/// `arn:<partition>:iam::<account>:oidc-provider/<host-path>`, where
/// `<host-path>` is the issuer URL without `https://`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OidcProviderArn {
    partition: String,
    account: String,
    host_path: String,
}

impl OidcProviderArn {
    pub fn parse(value: &str) -> Result<OidcProviderArn, ArnError> {
        const KIND: &str = "an IAM OIDC provider";
        let arn = iam_arn(value, KIND)?;
        let malformed = |reason: &str| ArnError::Malformed {
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        if !is_account_id(arn.account) {
            return Err(malformed("the account must be 12 digits"));
        }
        let Some(host_path) = arn.resource.strip_prefix("oidc-provider/") else {
            return Err(ArnError::WrongKind {
                value: value.to_owned(),
                expected: KIND,
                reason: "its resource must start with \"oidc-provider/\"".into(),
            });
        };
        if host_path.contains("://") {
            return Err(malformed(
                "the part after \"oidc-provider/\" must be the issuer without its scheme: IAM drops `https://`, \
                 and so do the condition keys of trust policies",
            ));
        }
        if host_path.ends_with('/') {
            return Err(malformed("the issuer must not end with a slash"));
        }
        if host_path.contains(['?', '#']) {
            return Err(malformed("the issuer cannot have a query or fragment"));
        }
        let host = host_path.split('/').next().unwrap_or_default();
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
            && !host.starts_with(['.', '-']);
        if !host_ok || host_path.contains("//") {
            return Err(malformed(&format!(
                "{host_path:?} is not an issuer host name with an optional path"
            )));
        }
        Ok(OidcProviderArn {
            partition: arn.partition.to_owned(),
            account: arn.account.to_owned(),
            host_path: host_path.to_owned(),
        })
    }

    pub fn partition(&self) -> &str {
        &self.partition
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    /// The issuer without its scheme, e.g. `oidc.example.com/cluster-a`: the
    /// prefix of the provider's condition keys.
    pub fn host_path(&self) -> &str {
        &self.host_path
    }

    /// The condition key of a token claim, e.g. `oidc.example.com/cluster-a:sub`.
    pub fn condition_key(&self, claim: &str) -> String {
        format!("{}:{claim}", self.host_path)
    }
}

impl fmt::Display for OidcProviderArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:iam::{}:oidc-provider/{}",
            self.partition, self.account, self.host_path
        )
    }
}

/// Check the ARN of an IAM managed policy: a customer managed one
/// (`arn:<partition>:iam::<account>:policy/<path><name>`) or an AWS managed
/// one (`arn:<partition>:iam::aws:policy/<path><name>`).
pub fn validate_policy_arn(value: &str) -> Result<(), ArnError> {
    const KIND: &str = "an IAM managed policy";
    let arn = iam_arn(value, KIND)?;
    if arn.account != "aws" && !is_account_id(arn.account) {
        return Err(ArnError::Malformed {
            value: value.to_owned(),
            reason: "the account must be 12 digits, or \"aws\" for AWS managed policies".into(),
        });
    }
    let Some(path_name) = arn.resource.strip_prefix("policy/") else {
        return Err(ArnError::WrongKind {
            value: value.to_owned(),
            expected: KIND,
            reason: "its resource must start with \"policy/\"".into(),
        });
    };
    let name = path_name.rsplit('/').next().unwrap_or_default();
    let name_ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c));
    if !name_ok {
        return Err(ArnError::Malformed {
            value: value.to_owned(),
            reason: format!(
                "the policy name {name:?} must be 1 to 128 characters of letters, digits and +=,.@-_"
            ),
        });
    }
    Ok(())
}

/// The name of the role an IAM role ARN names
/// (`arn:<partition>:iam::<account>:role/<path><name>`).
pub fn role_name_of(value: &str) -> Result<&str, ArnError> {
    const KIND: &str = "an IAM role";
    let arn = iam_arn(value, KIND)?;
    if !is_account_id(arn.account) {
        return Err(ArnError::Malformed {
            value: value.to_owned(),
            reason: "the account must be 12 digits".into(),
        });
    }
    let Some(path_name) = arn.resource.strip_prefix("role/") else {
        return Err(ArnError::WrongKind {
            value: value.to_owned(),
            expected: KIND,
            reason: "its resource must start with \"role/\"".into(),
        });
    };
    match path_name.rsplit('/').next() {
        Some(name) if !name.is_empty() => Ok(name),
        _ => Err(ArnError::Malformed {
            value: value.to_owned(),
            reason: "it names no role".into(),
        }),
    }
}

/// The partition of any ARN, e.g. `aws-cn`.
pub fn partition_of(value: &str) -> Result<&str, ArnError> {
    split(value).map(|arn| arn.partition)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_give_the_role_name() {
        assert_eq!(
            role_name_of("arn:aws:iam::123456789012:role/app"),
            Ok("app")
        );
        assert_eq!(
            role_name_of("arn:aws-cn:iam::123456789012:role/irsa/team/app"),
            Ok("app")
        );
        for bad in [
            "app",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:user/app",
            "arn:aws:sts::123456789012:assumed-role/app/s",
            "arn:aws:iam::12:role/app",
        ] {
            assert!(role_name_of(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn oidc_provider_arns_of_every_partition_give_their_condition_keys() {
        for (arn, partition) in [
            (
                "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/cluster-a",
                "aws",
            ),
            (
                "arn:aws-cn:iam::123456789012:oidc-provider/oidc.example.com/cluster-a",
                "aws-cn",
            ),
            (
                "arn:aws-us-gov:iam::123456789012:oidc-provider/oidc.example.com/cluster-a",
                "aws-us-gov",
            ),
            (
                "arn:aws-iso-b:iam::123456789012:oidc-provider/oidc.example.com/cluster-a",
                "aws-iso-b",
            ),
        ] {
            let p = OidcProviderArn::parse(arn).unwrap();
            assert_eq!(p.partition(), partition);
            assert_eq!(p.account(), "123456789012");
            assert_eq!(p.host_path(), "oidc.example.com/cluster-a");
            assert_eq!(p.condition_key("sub"), "oidc.example.com/cluster-a:sub");
            assert_eq!(p.to_string(), arn, "round trip");
            assert_eq!(partition_of(arn).unwrap(), partition);
        }
    }

    #[test]
    fn s3_hosted_issuers_keep_their_path() {
        let p = OidcProviderArn::parse(
            "arn:aws:iam::123456789012:oidc-provider/irsa-x.s3.eu-west-1.amazonaws.com/cluster",
        )
        .unwrap();
        assert_eq!(
            p.condition_key("aud"),
            "irsa-x.s3.eu-west-1.amazonaws.com/cluster:aud"
        );
        let bare =
            OidcProviderArn::parse("arn:aws:iam::123456789012:oidc-provider/oidc.example.com")
                .unwrap();
        assert_eq!(bare.condition_key("sub"), "oidc.example.com:sub");
    }

    fn err(arn: &str) -> String {
        OidcProviderArn::parse(arn).unwrap_err().to_string()
    }

    #[test]
    fn common_mistakes_are_refused_with_a_reason() {
        assert!(err("https://oidc.example.com/cluster-a").contains("issuer URL"));
        assert!(
            err("arn:aws:iam::123456789012:oidc-provider/https://oidc.example.com")
                .contains("without its scheme")
        );
        assert!(err("arn:aws:iam::123456789012:role/x").contains("oidc-provider/"));
        assert!(err("arn:aws:iam::1234:oidc-provider/oidc.example.com").contains("12 digits"));
        assert!(
            err("arn:aws:iam:us-east-1:123456789012:oidc-provider/x.example.com")
                .contains("no region")
        );
        assert!(err("arn:aws:sts::123456789012:oidc-provider/x.example.com").contains("\"iam\""));
        assert!(
            err("arn:azure:iam::123456789012:oidc-provider/x.example.com").contains("partition")
        );
        assert!(err("arn:aws:iam::123456789012:oidc-provider/x.example.com/").contains("slash"));
        assert!(err("arn:aws:iam::123456789012:oidc-provider/").contains("host name"));
        assert!(err("arn:aws:iam::123456789012:oidc-provider/x.example.com?a=b").contains("query"));
        assert!(err("arn:aws:iam::123456789012").contains("expected arn:"));
        assert!(
            err("arn:aws:iam::123456789012:oidc-provider/x .example.com").contains("whitespace")
        );
    }

    #[test]
    fn policy_arns_of_customers_and_aws_are_accepted() {
        for ok in [
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::aws:policy/service-role/AmazonEKSClusterPolicy",
            "arn:aws:iam::123456789012:policy/team/read-logs",
            "arn:aws-cn:iam::123456789012:policy/x+y=z,a.b@c-d_e",
        ] {
            validate_policy_arn(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for (bad, why) in [
            ("ReadOnlyAccess", "not an ARN"),
            ("arn:aws:iam::aws:role/x", "policy/"),
            ("arn:aws:iam::12:policy/x", "12 digits"),
            ("arn:aws:iam::aws:policy/", "policy name"),
            ("arn:aws:iam::aws:policy/a*b", "policy name"),
            ("arn:aws:s3:::bucket", "\"iam\""),
        ] {
            let e = validate_policy_arn(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
