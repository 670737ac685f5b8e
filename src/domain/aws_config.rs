//! The rules of the provider block's AWS settings, as hashicorp/aws reads
//! them: Go-style durations (`"1h30m"`), 12-digit account ids and the
//! allowed/forbidden account lists, role session names, retry modes and
//! the retry count.

use std::time::Duration;

/// A provider setting that AWS or hashicorp/aws would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsConfigError {
    #[error(
        "{0:?} is not a duration: give numbers with units h, m or s, as in \"15m\", \"1h\" or \"1h30m\""
    )]
    Duration(String),
    #[error("{value:?} is {seconds} seconds; STS takes whole seconds from {min} to {max}")]
    DurationRange {
        value: String,
        seconds: u64,
        min: u64,
        max: u64,
    },
    #[error("{0:?} is not an AWS account id: it must be 12 digits")]
    AccountId(String),
    #[error("{0:?} is not a role session name: 2 to 64 characters of letters, digits and +=,.@-_")]
    SessionName(String),
    #[error("{0:?} is not a retry mode: use \"standard\" or \"adaptive\"")]
    RetryMode(String),
    #[error("{0} is not a retry count: it must be a whole number from 0 to {MAX_RETRIES}")]
    MaxRetries(String),
    #[error("AWS account {account} is not in allowed_account_ids ({})", .allowed.join(", "))]
    AccountNotAllowed {
        account: String,
        allowed: Vec<String>,
    },
    #[error("AWS account {account} is in forbidden_account_ids")]
    AccountForbidden { account: String },
}

/// Parse a duration as Go's `time.ParseDuration` writes the common cases:
/// one or more numbers (decimals allowed), each with a unit `h`, `m`, `s`
/// or `ms`, e.g. `"15m"`, `"1h"`, `"1h30m"`, `"1.5h"`, `"90s"`.
pub fn parse_duration(value: &str) -> Result<Duration, AwsConfigError> {
    let bad = || AwsConfigError::Duration(value.to_owned());
    let mut rest = value.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let per_unit = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += number * per_unit;
    }
    if !total.is_finite() || total > u32::MAX as f64 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(total))
}

/// A session duration for STS: parsed, whole seconds, within `min..=max`
/// seconds. Returns the seconds.
pub fn session_seconds(value: &str, min: u64, max: u64) -> Result<i32, AwsConfigError> {
    let d = parse_duration(value)?;
    let seconds = d.as_secs();
    if d.subsec_nanos() != 0 || seconds < min || seconds > max {
        return Err(AwsConfigError::DurationRange {
            value: value.to_owned(),
            seconds,
            min,
            max,
        });
    }
    Ok(seconds as i32)
}

/// AssumeRole's bounds: 15 minutes to 12 hours (the role's maximum session
/// duration may be lower; STS says so then).
pub const ASSUME_ROLE_MIN_SECONDS: u64 = 900;
pub const ASSUME_ROLE_MAX_SECONDS: u64 = 43_200;

/// Check an AWS account id: exactly 12 digits.
pub fn validate_account_id(value: &str) -> Result<(), AwsConfigError> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(AwsConfigError::AccountId(value.to_owned()))
    }
}

/// Whether the provider may act in `account`: it must be in `allowed` when
/// that is given, and must not be in `forbidden`.
pub fn check_account(
    account: &str,
    allowed: &[String],
    forbidden: &[String],
) -> Result<(), AwsConfigError> {
    if !allowed.is_empty() && !allowed.iter().any(|a| a == account) {
        return Err(AwsConfigError::AccountNotAllowed {
            account: account.to_owned(),
            allowed: allowed.to_vec(),
        });
    }
    if forbidden.iter().any(|f| f == account) {
        return Err(AwsConfigError::AccountForbidden {
            account: account.to_owned(),
        });
    }
    Ok(())
}

/// Check a role session name as STS does: 2 to 64 of `[\w+=,.@-]`.
pub fn validate_session_name(value: &str) -> Result<(), AwsConfigError> {
    let ok = (2..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c));
    if ok {
        Ok(())
    } else {
        Err(AwsConfigError::SessionName(value.to_owned()))
    }
}

/// How the SDK paces its retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryMode {
    Standard,
    Adaptive,
}

/// The values `retry_mode` (and `AWS_RETRY_MODE`) take.
pub const RETRY_MODES: [&str; 2] = ["standard", "adaptive"];

pub fn parse_retry_mode(value: &str) -> Result<RetryMode, AwsConfigError> {
    match value {
        "standard" => Ok(RetryMode::Standard),
        "adaptive" => Ok(RetryMode::Adaptive),
        _ => Err(AwsConfigError::RetryMode(value.to_owned())),
    }
}

/// Retries when neither `max_retries` nor `AWS_MAX_ATTEMPTS` says: four,
/// so five attempts in all.
pub const DEFAULT_MAX_RETRIES: u32 = 4;
/// A bound that keeps a typo from retrying for hours.
pub const MAX_RETRIES: u32 = 100;

/// Check `max_retries` (a Terraform number).
pub fn validate_max_retries(value: f64) -> Result<u32, AwsConfigError> {
    if value.fract() == 0.0 && (0.0..=MAX_RETRIES as f64).contains(&value) {
        Ok(value as u32)
    } else {
        Err(AwsConfigError::MaxRetries(value.to_string()))
    }
}

/// The SDK's attempt count (the first call and its retries) and retry mode,
/// from the provider block, else the environment's `AWS_MAX_ATTEMPTS`
/// (attempts, as the SDKs count) and `AWS_RETRY_MODE`, else four retries
/// in standard mode. Unusable environment values are ignored.
pub fn retry_policy(
    max_retries: Option<u32>,
    mode: Option<RetryMode>,
    env_max_attempts: Option<&str>,
    env_mode: Option<&str>,
) -> (u32, RetryMode) {
    let attempts = max_retries.map(|r| r + 1).unwrap_or_else(|| {
        env_max_attempts
            .and_then(|a| a.trim().parse::<u32>().ok())
            .filter(|a| (1..=MAX_RETRIES + 1).contains(a))
            .unwrap_or(DEFAULT_MAX_RETRIES + 1)
    });
    let mode = mode
        .or_else(|| env_mode.and_then(|m| parse_retry_mode(m.trim()).ok()))
        .unwrap_or(RetryMode::Standard);
    (attempts, mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_style_durations() {
        let secs = |s| parse_duration(s).unwrap().as_secs_f64();
        assert_eq!(secs("15m"), 900.0);
        assert_eq!(secs("1h"), 3600.0);
        assert_eq!(secs("1h30m"), 5400.0);
        assert_eq!(secs("1.5h"), 5400.0);
        assert_eq!(secs("90s"), 90.0);
        assert_eq!(secs("1m500ms"), 60.5);
        for bad in ["", "1", "h", "1d", "1 h", "-1h", "1h 30m", "1..5h", "abc"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn session_durations_are_whole_seconds_within_bounds() {
        let (min, max) = (ASSUME_ROLE_MIN_SECONDS, ASSUME_ROLE_MAX_SECONDS);
        assert_eq!(session_seconds("15m", min, max), Ok(900));
        assert_eq!(session_seconds("12h", min, max), Ok(43_200));
        assert!(matches!(
            session_seconds("5m", min, max),
            Err(AwsConfigError::DurationRange { seconds: 300, .. })
        ));
        assert!(session_seconds("13h", min, max).is_err());
        assert!(session_seconds("900500ms", min, max).is_err());
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(validate_account_id("123456789012").is_ok());
        for bad in ["12345678901", "1234567890123", "12345678901a", ""] {
            assert!(validate_account_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn allowed_and_forbidden_accounts_name_the_account() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = "123456789012";
        assert!(check_account(a, &list(&[a]), &[]).is_ok());
        assert!(check_account(a, &[], &list(&["111111111111"])).is_ok());
        assert!(check_account(a, &[], &[]).is_ok());
        let e = check_account(a, &list(&["111111111111"]), &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "AWS account 123456789012 is not in allowed_account_ids (111111111111)"
        );
        let e = check_account(a, &[], &list(&[a])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "AWS account 123456789012 is in forbidden_account_ids"
        );
    }

    #[test]
    fn session_names() {
        assert!(validate_session_name("terraform@ci-42").is_ok());
        for bad in ["a", "has space", &"x".repeat(65), "colon:no"] {
            assert!(validate_session_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn retries_come_from_the_block_then_the_environment() {
        use RetryMode::*;
        assert_eq!(retry_policy(None, None, None, None), (5, Standard));
        assert_eq!(retry_policy(Some(0), None, Some("9"), None), (1, Standard));
        assert_eq!(
            retry_policy(None, None, Some("9"), Some("adaptive")),
            (9, Adaptive)
        );
        assert_eq!(
            retry_policy(Some(2), Some(Standard), Some("9"), Some("adaptive")),
            (3, Standard)
        );
        assert_eq!(
            retry_policy(None, None, Some("zero"), Some("legacy")),
            (5, Standard)
        );
        assert_eq!(validate_max_retries(3.0), Ok(3));
        assert!(validate_max_retries(-1.0).is_err());
        assert!(validate_max_retries(1.5).is_err());
        assert!(parse_retry_mode("legacy").is_err());
    }
}
