//! The IAM OpenID Connect provider of an issuer: checks of its settings, and
//! the smallest set of changes that turns what IAM has into what is wanted.
//!
//! Client IDs, thumbprints and tags are all updated in place: the provider
//! itself is never replaced for them, since every role that trusts it names
//! its ARN.

use std::collections::{BTreeMap, BTreeSet};

/// The audience of the tokens that the AWS SDKs exchange with STS.
pub const DEFAULT_CLIENT_ID: &str = "sts.amazonaws.com";

/// IAM's limit on thumbprints per provider.
pub const MAX_THUMBPRINTS: usize = 5;

/// IAM's limit on client IDs per provider.
pub const MAX_CLIENT_IDS: usize = 100;

/// Longest client ID IAM accepts.
pub const MAX_CLIENT_ID_LEN: usize = 255;

/// Why a thumbprint or client ID list cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderSettingError {
    #[error("{value:?} is not a certificate thumbprint: IAM expects the SHA-1 fingerprint as 40 hexadecimal digits without colons (`openssl x509 -fingerprint -sha1 -noout` prints it with colons; remove them), or use the irsa_tls_thumbprint data source")]
    Thumbprint { value: String },

    #[error("{count} thumbprints given; IAM keeps at most 5 per provider")]
    TooManyThumbprints { count: usize },

    #[error("{count} client IDs given; IAM keeps at most 100 per provider")]
    TooManyClientIds { count: usize },

    #[error("the client ID {value:?} must have 1 to 255 characters")]
    ClientIdLength { value: String },
}

/// Checks one thumbprint: 40 hex digits, in either case.
pub fn validate_thumbprint(value: &str) -> Result<(), ProviderSettingError> {
    if value.len() == 40 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(ProviderSettingError::Thumbprint {
            value: value.to_owned(),
        })
    }
}

/// Checks the length of a thumbprint list.
pub fn validate_thumbprint_count(count: usize) -> Result<(), ProviderSettingError> {
    if count > MAX_THUMBPRINTS {
        Err(ProviderSettingError::TooManyThumbprints { count })
    } else {
        Ok(())
    }
}

/// Checks one client ID.
pub fn validate_client_id(value: &str) -> Result<(), ProviderSettingError> {
    if (1..=MAX_CLIENT_ID_LEN).contains(&value.len()) {
        Ok(())
    } else {
        Err(ProviderSettingError::ClientIdLength {
            value: value.to_owned(),
        })
    }
}

/// Checks the length of a client ID list.
pub fn validate_client_id_count(count: usize) -> Result<(), ProviderSettingError> {
    if count > MAX_CLIENT_IDS {
        Err(ProviderSettingError::TooManyClientIds { count })
    } else {
        Ok(())
    }
}

/// Calls that turn one set of strings into another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetChanges {
    /// To add, sorted.
    pub add: Vec<String>,
    /// To remove, sorted.
    pub remove: Vec<String>,
}

impl SetChanges {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

/// The client IDs to add and to remove so that `current` becomes `wanted`.
/// Duplicates and order do not matter. Additions come first when applied,
/// so that the provider never passes through an empty list.
pub fn client_id_changes(current: &[String], wanted: &[String]) -> SetChanges {
    let current: BTreeSet<&String> = current.iter().collect();
    let wanted: BTreeSet<&String> = wanted.iter().collect();
    SetChanges {
        add: wanted.difference(&current).map(|s| (*s).clone()).collect(),
        remove: current.difference(&wanted).map(|s| (*s).clone()).collect(),
    }
}

/// Whether two thumbprint lists hold the same fingerprints (hex case and
/// order do not matter).
pub fn same_thumbprints(a: &[String], b: &[String]) -> bool {
    let norm =
        |v: &[String]| -> BTreeSet<String> { v.iter().map(|s| s.to_ascii_lowercase()).collect() };
    norm(a) == norm(b)
}

/// Tags to set (new or changed values) and tag keys to remove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagChanges {
    pub set: BTreeMap<String, String>,
    pub remove: Vec<String>,
}

impl TagChanges {
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }
}

/// The tag changes that turn `current` into `wanted`.
pub fn tag_changes(
    current: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> TagChanges {
    TagChanges {
        set: wanted
            .iter()
            .filter(|(k, v)| current.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        remove: current
            .keys()
            .filter(|k| !wanted.contains_key(*k))
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn client_id_changes_are_minimal() {
        let c = client_id_changes(
            &v(&["sts.amazonaws.com", "old"]),
            &v(&["new", "sts.amazonaws.com"]),
        );
        assert_eq!(c.add, v(&["new"]));
        assert_eq!(c.remove, v(&["old"]));
        assert!(client_id_changes(&v(&["a", "b"]), &v(&["b", "a", "a"])).is_empty());
        let from_empty = client_id_changes(&[], &v(&["b", "a"]));
        assert_eq!(from_empty.add, v(&["a", "b"]));
        assert!(from_empty.remove.is_empty());
        let to_empty = client_id_changes(&v(&["a"]), &[]);
        assert_eq!(to_empty.remove, v(&["a"]));
    }

    #[test]
    fn thumbprints_are_checked_and_compared_without_case() {
        let ok = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
        assert_eq!(validate_thumbprint(ok), Ok(()));
        assert_eq!(validate_thumbprint(&ok.to_uppercase()), Ok(()));
        for bad in [
            "9E:99:A4:8A:99:60:B1:49:26:BB:7F:3B:02:E2:2D:A2:B0:AB:72:80",
            "9e99a48a9960b14926bb7f3b02e22da2b0ab728",
            "9e99a48a9960b14926bb7f3b02e22da2b0ab728g",
            "",
        ] {
            let e = validate_thumbprint(bad).unwrap_err();
            assert!(e.to_string().contains("40 hexadecimal digits"), "{e}");
        }
        assert!(validate_thumbprint_count(5).is_ok());
        assert!(validate_thumbprint_count(6).is_err());
        assert!(same_thumbprints(&v(&["AB", "cd"]), &v(&["CD", "ab"])));
        assert!(!same_thumbprints(&v(&["ab"]), &[]));
    }

    #[test]
    fn client_ids_are_checked() {
        assert!(validate_client_id("sts.amazonaws.com").is_ok());
        assert!(validate_client_id("").is_err());
        assert!(validate_client_id(&"a".repeat(256)).is_err());
        assert!(validate_client_id_count(100).is_ok());
        assert!(validate_client_id_count(101).is_err());
    }

    #[test]
    fn tag_changes_set_and_remove() {
        let cur = BTreeMap::from([
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
        ]);
        let want = BTreeMap::from([
            ("a".to_owned(), "1".to_owned()),
            ("c".to_owned(), "3".to_owned()),
        ]);
        let c = tag_changes(&cur, &want);
        assert_eq!(c.set, BTreeMap::from([("c".to_owned(), "3".to_owned())]));
        assert_eq!(c.remove, v(&["b"]));
        assert!(tag_changes(&cur, &cur).is_empty());
    }
}
