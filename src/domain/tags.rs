//! The one rule for AWS tags, shared by IAM (roles, OIDC providers) and S3
//! (buckets): the characters AWS accepts, the lengths, the reserved `aws:`
//! prefix, and at most 50 tags per object.

use std::collections::{BTreeMap, BTreeSet};

/// Most tags one IAM role, OIDC provider or S3 bucket may carry.
pub const MAX_TAGS: usize = 50;
/// Longest tag key, in characters.
pub const MAX_TAG_KEY_LEN: usize = 128;
/// Longest tag value, in characters.
pub const MAX_TAG_VALUE_LEN: usize = 256;
/// The prefix AWS reserves for its own tags.
pub const RESERVED_PREFIX: &str = "aws:";
/// The punctuation AWS accepts in tag keys and values, besides letters,
/// digits and spaces.
pub const TAG_PUNCTUATION: &str = "_.:/=+-@";

/// The tag the provider writes on everything it creates (roles, OIDC
/// providers, buckets), with a token made for that one create call. It is
/// how the provider tells an object it made from one that existed before:
/// when the answer to a create is lost and the call (or its retry) reports
/// that the object exists, only an object bearing this call's token is the
/// provider's own, and an import takes ownership only of an object that
/// bears the tag at all. It is kept out of `tags` and out of every diff.
pub const CREATION_TOKEN_TAG: &str = "irsa:creation-token";

/// Most tags a user may give one object: AWS's limit less the creation
/// token.
pub const MAX_USER_TAGS: usize = MAX_TAGS - 1;

/// A tag AWS would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// An empty key, or one longer than [`MAX_TAG_KEY_LEN`].
    #[error("tag key {key:?} must have 1 to {MAX_TAG_KEY_LEN} characters")]
    KeyLength { key: String },
    /// A key that starts with `aws:` in any case.
    #[error("tag key {key:?} is reserved (the prefix \"aws:\" for AWS, \"irsa:creation-token\" for this provider)")]
    Reserved { key: String },
    /// A character outside letters, digits, spaces and `_.:/=+-@`.
    #[error(
        "the {what} of tag {key:?} contains {found:?}; AWS accepts letters, digits, spaces and {TAG_PUNCTUATION}"
    )]
    Character {
        key: String,
        what: &'static str,
        found: char,
    },
    /// A value longer than [`MAX_TAG_VALUE_LEN`].
    #[error("the value of tag {key:?} is longer than {MAX_TAG_VALUE_LEN} characters")]
    ValueLength { key: String },
    /// More than [`MAX_USER_TAGS`] tags.
    #[error("{count} tags given; at most {MAX_USER_TAGS} fit, since AWS allows {MAX_TAGS} on one object and the provider adds one of its own ({CREATION_TOKEN_TAG})")]
    TooMany { count: usize },
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || TAG_PUNCTUATION.contains(c)
}

/// Check one tag key.
pub fn validate_tag_key(key: &str) -> Result<(), TagError> {
    if key.is_empty() || key.chars().count() > MAX_TAG_KEY_LEN {
        return Err(TagError::KeyLength { key: key.into() });
    }
    if key.len() >= RESERVED_PREFIX.len()
        && key.is_char_boundary(RESERVED_PREFIX.len())
        && key[..RESERVED_PREFIX.len()].eq_ignore_ascii_case(RESERVED_PREFIX)
    {
        return Err(TagError::Reserved { key: key.into() });
    }
    if let Some(found) = key.chars().find(|&c| !is_tag_char(c)) {
        return Err(TagError::Character {
            key: key.into(),
            what: "key",
            found,
        });
    }
    Ok(())
}

/// Check one tag value (which may be empty).
pub fn validate_tag_value(key: &str, value: &str) -> Result<(), TagError> {
    if value.chars().count() > MAX_TAG_VALUE_LEN {
        return Err(TagError::ValueLength { key: key.into() });
    }
    if let Some(found) = value.chars().find(|&c| !is_tag_char(c)) {
        return Err(TagError::Character {
            key: key.into(),
            what: "value",
            found,
        });
    }
    Ok(())
}

/// Check how many tags a user gives one object.
pub fn validate_tag_count(count: usize) -> Result<(), TagError> {
    if count > MAX_USER_TAGS {
        Err(TagError::TooMany { count })
    } else {
        Ok(())
    }
}

/// What user tags need beyond the rule for each tag: the creation-token key
/// stays free, and there is room for that tag.
pub fn validate_user_tags<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<(), TagError> {
    let mut count = 0;
    for key in keys {
        count += 1;
        if key == CREATION_TOKEN_TAG {
            return Err(TagError::Reserved { key: key.into() });
        }
    }
    validate_tag_count(count)
}

/// An object's tags without the creation token: what `tags` shows.
pub fn user_tags(all: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    all.iter()
        .filter(|(k, _)| k.as_str() != CREATION_TOKEN_TAG)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Whether an object that exists was made by the create call that sent
/// `token`.
pub fn created_with(all: &BTreeMap<String, String>, token: &str) -> bool {
    all.get(CREATION_TOKEN_TAG).map(String::as_str) == Some(token)
}

/// Whether an object was made by this provider at all.
pub fn created_by_provider(all: &BTreeMap<String, String>) -> bool {
    all.contains_key(CREATION_TOKEN_TAG)
}

/// Check a whole set of tags: every key and value, and the count.
pub fn validate_tags<'a>(
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), TagError> {
    let mut count = 0;
    for (key, value) in tags {
        count += 1;
        validate_tag_key(key)?;
        validate_tag_value(key, value)?;
    }
    validate_tag_count(count)
}

/// The provider-wide tag settings, as hashicorp/aws has them: tags merged
/// under every resource's own (`default_tags`), and tags left to others
/// (`ignore_tags`): never shown, never compared, never removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagConfig {
    /// The default tags; `None` while the provider's configuration is not
    /// known yet (a plan whose provider block uses values to be computed).
    pub defaults: Option<BTreeMap<String, String>>,
    pub ignore_keys: BTreeSet<String>,
    pub ignore_key_prefixes: BTreeSet<String>,
}

impl TagConfig {
    /// No default tags and nothing ignored.
    pub fn none() -> TagConfig {
        TagConfig {
            defaults: Some(BTreeMap::new()),
            ..TagConfig::default()
        }
    }

    /// Whether a key is left to others.
    pub fn ignores(&self, key: &str) -> bool {
        self.ignore_keys.contains(key)
            || self
                .ignore_key_prefixes
                .iter()
                .any(|p| key.starts_with(p.as_str()))
    }

    /// The tags an object carries that this provider manages: all but the
    /// creation token and the ignored ones.
    pub fn visible(&self, live: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        live.iter()
            .filter(|(k, _)| k.as_str() != CREATION_TOKEN_TAG && !self.ignores(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The ignored tags an object carries, which a write that replaces all
    /// tags at once must put back.
    pub fn ignored(&self, live: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        live.iter()
            .filter(|(k, _)| k.as_str() != CREATION_TOKEN_TAG && self.ignores(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// `tags_all`: the default tags with the resource's own over them, less
    /// the ignored keys. `None` while the default tags are not known.
    pub fn all(&self, tags: &BTreeMap<String, String>) -> Option<BTreeMap<String, String>> {
        let mut all = self.defaults.clone()?;
        all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        all.retain(|k, _| !self.ignores(k));
        Some(all)
    }

    /// What `tags` reports for an object carrying `visible` (see
    /// [`TagConfig::visible`]): every tag but those the default tags
    /// account for. A tag with a default's key and value counts as the
    /// resource's own only when `configured` (the resource's `tags` so far)
    /// names it with that value.
    pub fn own(
        &self,
        visible: &BTreeMap<String, String>,
        configured: Option<&BTreeMap<String, String>>,
    ) -> BTreeMap<String, String> {
        let defaults = self.defaults.clone().unwrap_or_default();
        visible
            .iter()
            .filter(|(k, v)| {
                defaults.get(*k) != Some(v) || configured.and_then(|c| c.get(*k)) == Some(v)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_creation_token_is_reserved_and_hidden() {
        let all = BTreeMap::from([
            ("team".to_owned(), "a".to_owned()),
            (CREATION_TOKEN_TAG.to_owned(), "t1".to_owned()),
        ]);
        assert!(created_with(&all, "t1"));
        assert!(!created_with(&all, "t2"));
        assert!(created_by_provider(&all));
        assert!(!created_by_provider(&user_tags(&all)));
        assert_eq!(user_tags(&all).len(), 1);
        assert!(validate_user_tags([CREATION_TOKEN_TAG]).is_err());
        let many: Vec<String> = (0..50).map(|i| format!("k{i}")).collect();
        assert!(validate_user_tags(many.iter().map(String::as_str)).is_err());
        assert!(validate_user_tags(many[..49].iter().map(String::as_str)).is_ok());
    }

    #[test]
    fn accepted_tags() {
        for (k, v) in [
            ("team", "platform"),
            ("kubernetes.io/cluster/prod", "owned"),
            ("Cost Center", "4711 + 12"),
            ("e-mail", "ops@example.com"),
            ("ключ", "значение"),
            ("empty", ""),
            ("AWSome", "x"),
        ] {
            assert_eq!(validate_tags([(k, v)]), Ok(()), "{k}={v}");
        }
        let fifty: Vec<(String, String)> = (0..49).map(|i| (format!("k{i}"), "v".into())).collect();
        assert_eq!(
            validate_tags(fifty.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            Ok(())
        );
    }

    #[test]
    fn refused_tags() {
        let long_key = "k".repeat(129);
        let long_value = "v".repeat(257);
        let cases: Vec<(&str, &str, &str)> = vec![
            ("", "v", "1 to 128"),
            (&long_key, "v", "1 to 128"),
            ("aws:createdBy", "v", "reserved"),
            ("AWS:x", "v", "reserved"),
            ("a#b", "v", "'#'"),
            ("k", "semi;colon", "';'"),
            ("k", &long_value, "longer than 256"),
            ("k", "line\nbreak", "'\\n'"),
        ];
        for (k, v, want) in cases {
            let e = validate_tags([(k, v)]).unwrap_err().to_string();
            assert!(e.contains(want), "{k}={v}: {e}");
        }
        let many: Vec<(String, String)> = (0..50).map(|i| (format!("k{i}"), "v".into())).collect();
        assert_eq!(
            validate_tags(many.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            Err(TagError::TooMany { count: 50 })
        );
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn config(defaults: &[(&str, &str)], keys: &[&str], prefixes: &[&str]) -> TagConfig {
        TagConfig {
            defaults: Some(map(defaults)),
            ignore_keys: keys.iter().map(|k| k.to_string()).collect(),
            ignore_key_prefixes: prefixes.iter().map(|k| k.to_string()).collect(),
        }
    }

    #[test]
    fn tags_all_puts_the_resource_s_tags_over_the_defaults_less_the_ignored() {
        let c = config(
            &[("env", "prod"), ("team", "platform")],
            &["owner"],
            &["bot:"],
        );
        let tags = map(&[
            ("team", "identity"),
            ("owner", "me"),
            ("bot:seen", "1"),
            ("app", "x"),
        ]);
        assert_eq!(
            c.all(&tags),
            Some(map(&[("env", "prod"), ("team", "identity"), ("app", "x")]))
        );
        assert_eq!(TagConfig::none().all(&tags), Some(tags.clone()));
        let unknown = TagConfig {
            defaults: None,
            ..c
        };
        assert_eq!(unknown.all(&tags), None);
    }

    #[test]
    fn ignored_tags_are_neither_shown_nor_lost() {
        let c = config(&[], &["owner"], &["bot:", "kubernetes.io/"]);
        let live = map(&[
            ("owner", "me"),
            ("bot:seen", "1"),
            ("kubernetes.io/cluster/a", "owned"),
            ("app", "x"),
            (CREATION_TOKEN_TAG, "t"),
        ]);
        assert_eq!(c.visible(&live), map(&[("app", "x")]));
        assert_eq!(
            c.ignored(&live),
            map(&[
                ("owner", "me"),
                ("bot:seen", "1"),
                ("kubernetes.io/cluster/a", "owned")
            ])
        );
        assert!(
            !c.ignores("Owner"),
            "keys are compared exactly, as AWS compares them"
        );
    }

    #[test]
    fn own_tags_are_those_the_defaults_do_not_account_for() {
        let c = config(&[("env", "prod"), ("team", "platform")], &[], &[]);
        let visible = map(&[("env", "prod"), ("team", "identity"), ("app", "x")]);
        // Not configured: the default's value is the default's.
        assert_eq!(
            c.own(&visible, None),
            map(&[("team", "identity"), ("app", "x")])
        );
        // Configured with the default's own value: it stays the resource's.
        let configured = map(&[("env", "prod"), ("app", "x")]);
        assert_eq!(
            c.own(&visible, Some(&configured)),
            map(&[("env", "prod"), ("team", "identity"), ("app", "x")])
        );
        // Configured with another value, and AWS holds the default's: drift
        // the plan shows as the configured tag missing.
        let other = map(&[("env", "dev")]);
        assert_eq!(
            c.own(&visible, Some(&other)),
            map(&[("team", "identity"), ("app", "x")])
        );
    }
}
