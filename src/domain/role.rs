//! IAM's rules for a role's own settings, the names generated from a
//! `name_prefix`, and the annotations that point a Kubernetes service
//! account at a role.

use std::collections::BTreeMap;

use super::trust_policy::DEFAULT_AUDIENCE;

/// Longest role name IAM accepts.
pub const MAX_NAME_LEN: usize = 64;
/// Length of the suffix [`generated_name`] appends to a prefix.
pub const GENERATED_SUFFIX_LEN: usize = 26;
/// Longest prefix: a generated name must still fit [`MAX_NAME_LEN`].
pub const MAX_PREFIX_LEN: usize = MAX_NAME_LEN - GENERATED_SUFFIX_LEN;
/// Bounds of `MaxSessionDuration`, in seconds.
pub const MIN_SESSION_DURATION: i64 = 3600;
pub const MAX_SESSION_DURATION: i64 = 43200;
/// Longest role description.
pub const MAX_DESCRIPTION_LEN: usize = 1000;
/// Longest inline policy name.
pub const MAX_POLICY_NAME_LEN: usize = 128;

/// The annotation that names the role on a service account.
pub const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// The annotation for a token audience other than the default.
pub const AUDIENCE_ANNOTATION: &str = "eks.amazonaws.com/audience";

/// A role setting IAM would refuse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RoleSettingError {
    /// A role name or name prefix: too long, empty, or a character outside
    /// `[A-Za-z0-9+=,.@_-]`.
    #[error("{value:?} {reason}")]
    Name { value: String, reason: String },
    /// A path that does not start and end with `/`, or holds other characters
    /// than printable ASCII.
    #[error("{value:?} {reason}")]
    Path { value: String, reason: &'static str },
    /// A description too long or with characters IAM refuses.
    #[error("the description {reason}")]
    Description { reason: String },
    /// A session duration outside one to twelve hours, or not whole seconds.
    #[error(
        "{0} is not a whole number of seconds from {MIN_SESSION_DURATION} (one hour) to {MAX_SESSION_DURATION} \
         (twelve hours)"
    )]
    SessionDuration(f64),
    /// An inline policy name.
    #[error("policy name {value:?} {reason}")]
    PolicyName { value: String, reason: String },
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

fn check_name_chars(value: &str, max: usize, what: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("is empty; a {what} needs at least one character"));
    }
    if value.chars().count() > max {
        return Err(format!(
            "is {} characters long; a {what} may have at most {max}",
            value.chars().count()
        ));
    }
    if let Some(c) = value.chars().find(|&c| !is_name_char(c)) {
        return Err(format!(
            "contains {c:?}; a {what} may only hold letters, digits and +=,.@_-"
        ));
    }
    Ok(())
}

/// Check a role name.
pub fn validate_name(name: &str) -> Result<(), RoleSettingError> {
    check_name_chars(name, MAX_NAME_LEN, "role name").map_err(|reason| RoleSettingError::Name {
        value: name.to_owned(),
        reason,
    })
}

/// Check a name prefix: a role name with room for the generated suffix.
pub fn validate_name_prefix(prefix: &str) -> Result<(), RoleSettingError> {
    check_name_chars(prefix, MAX_PREFIX_LEN, "name prefix").map_err(|reason| {
        RoleSettingError::Name {
            value: prefix.to_owned(),
            reason,
        }
    })
}

/// Check a role path: `/`, or `/` + printable ASCII + `/`, at most 512 long.
pub fn validate_path(path: &str) -> Result<(), RoleSettingError> {
    let err = |reason| RoleSettingError::Path {
        value: path.to_owned(),
        reason,
    };
    if path.len() > 512 {
        return Err(err("is longer than 512 characters"));
    }
    if !path.starts_with('/') || !path.ends_with('/') {
        return Err(err(
            "must start and end with a slash, like \"/\" or \"/k8s/\"",
        ));
    }
    if path.contains("//") {
        return Err(err("must not contain an empty segment (\"//\")"));
    }
    if !path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c)) {
        return Err(err(
            "may only hold printable ASCII characters without spaces",
        ));
    }
    Ok(())
}

/// Check a description against IAM's length and character set (tab, line
/// breaks, printable ASCII and Latin-1).
pub fn validate_description(description: &str) -> Result<(), RoleSettingError> {
    let len = description.chars().count();
    if len > MAX_DESCRIPTION_LEN {
        return Err(RoleSettingError::Description {
            reason: format!("is {len} characters long; IAM allows {MAX_DESCRIPTION_LEN}"),
        });
    }
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{7e}').contains(&c)
            || ('\u{a1}'..='\u{ff}').contains(&c)
    };
    if let Some(c) = description.chars().find(|&c| !allowed(c)) {
        return Err(RoleSettingError::Description {
            reason: format!("contains {c:?}, which IAM does not accept"),
        });
    }
    Ok(())
}

/// Check a maximum session duration and give it as whole seconds.
pub fn validate_session_duration(seconds: f64) -> Result<i32, RoleSettingError> {
    let ok = seconds.fract() == 0.0
        && seconds >= MIN_SESSION_DURATION as f64
        && seconds <= MAX_SESSION_DURATION as f64;
    if ok {
        Ok(seconds as i32)
    } else {
        Err(RoleSettingError::SessionDuration(seconds))
    }
}

/// Check the name of an inline policy.
pub fn validate_policy_name(name: &str) -> Result<(), RoleSettingError> {
    check_name_chars(name, MAX_POLICY_NAME_LEN, "policy name").map_err(|reason| {
        RoleSettingError::PolicyName {
            value: name.to_owned(),
            reason,
        }
    })
}

/// A unique role name from a prefix: the prefix, the UTC time to a ten
/// thousandth of a second (`YYYYMMDDhhmmssffff`) and 8 hex digits of
/// `entropy`, so generated names sort by creation time. The caller supplies
/// the clock and the randomness.
pub fn generated_name(prefix: &str, unix_seconds: u64, nanos: u32, entropy: u32) -> String {
    let days = unix_seconds / 86_400;
    let secs = unix_seconds % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{prefix}{y:04}{m:02}{d:02}{:02}{:02}{:02}{:04}{entropy:08x}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        nanos / 100_000
    )
}

/// The prefix of a name [`generated_name`] made, if it has the shape of one.
pub fn prefix_of_generated(name: &str) -> Option<&str> {
    let split = name.len().checked_sub(GENERATED_SUFFIX_LEN)?;
    let (prefix, suffix) = (name.get(..split)?, name.get(split..)?);
    let (time, entropy) = suffix.split_at(18);
    let shaped = time.bytes().all(|b| b.is_ascii_digit())
        && entropy
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (shaped && !prefix.is_empty()).then_some(prefix)
}

/// Year, month and day of a count of days since 1970-01-01 (proleptic
/// Gregorian calendar; eras of 400 years have 146097 days).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The annotations that make the EKS pod identity webhook (or any
/// compatible one) give a service account's pods this role.
pub fn service_account_annotations(role_arn: &str, audience: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::from([(ROLE_ARN_ANNOTATION.to_owned(), role_arn.to_owned())]);
    if audience != DEFAULT_AUDIENCE {
        out.insert(AUDIENCE_ANNOTATION.to_owned(), audience.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_iam_limits() {
        validate_name("app-reader+x=y,z.w@corp_1").unwrap();
        validate_name(&"a".repeat(64)).unwrap();
        assert!(validate_name(&"a".repeat(65))
            .unwrap_err()
            .to_string()
            .contains("at most 64"));
        assert!(validate_name("a b")
            .unwrap_err()
            .to_string()
            .contains("' '"));
        assert!(validate_name("a/b")
            .unwrap_err()
            .to_string()
            .contains("'/'"));
        assert!(validate_name("").is_err());
        validate_name_prefix(&"p".repeat(38)).unwrap();
        assert!(validate_name_prefix(&"p".repeat(39))
            .unwrap_err()
            .to_string()
            .contains("at most 38"));
    }

    #[test]
    fn generated_names_fit_and_are_recognised() {
        // 2026-11-23T09:27:04.123456789Z
        let name = generated_name(&"p".repeat(38), 1_795_426_024, 123_456_789, 0xdead_beef);
        assert_eq!(name.len(), 64);
        validate_name(&name).unwrap();
        assert!(name.ends_with("202611230927041234deadbeef"), "{name}");
        assert_eq!(prefix_of_generated(&name), Some("p".repeat(38).as_str()));
        assert_eq!(
            generated_name("x-", 0, 0, 1),
            "x-19700101000000000000000001"
        );
        assert_eq!(
            &generated_name("x-", 951_782_400, 0, 0)[2..10],
            "20000229",
            "leap day"
        );
        assert_eq!(prefix_of_generated("x-1970010100000000000000000g"), None);
        assert_eq!(prefix_of_generated("19700101000000000000000001"), None);
        assert_eq!(prefix_of_generated("short"), None);
        assert_eq!(prefix_of_generated("app-reader"), None);
    }

    #[test]
    fn paths_descriptions_durations_policy_names_and_tags() {
        validate_path("/").unwrap();
        validate_path("/k8s/cluster-a/").unwrap();
        for bad in ["k8s/", "/k8s", "/a b/", "//", "/a//b/"] {
            assert!(validate_path(bad).is_err(), "{bad}");
        }
        validate_description("Role for the billing app — no, ASCII: café ok").unwrap_err();
        validate_description("Role for the billing app, café").unwrap();
        assert!(validate_description(&"d".repeat(1001)).is_err());
        assert_eq!(validate_session_duration(3600.0), Ok(3600));
        assert_eq!(validate_session_duration(43200.0), Ok(43200));
        for bad in [3599.0, 43201.0, 3600.5, 0.0] {
            assert!(validate_session_duration(bad).is_err(), "{bad}");
        }
        validate_policy_name("s3-read").unwrap();
        assert!(validate_policy_name("s3 read").is_err());
    }

    #[test]
    fn annotations_name_the_role_and_a_non_default_audience() {
        let arn = "arn:aws:iam::123456789012:role/app";
        assert_eq!(
            service_account_annotations(arn, DEFAULT_AUDIENCE),
            BTreeMap::from([(ROLE_ARN_ANNOTATION.to_owned(), arn.to_owned())])
        );
        let custom = service_account_annotations(arn, "vault");
        assert_eq!(custom[AUDIENCE_ANNOTATION], "vault");
        assert_eq!(custom.len(), 2);
    }
}
