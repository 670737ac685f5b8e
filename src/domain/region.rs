//! The one rule for AWS region names, for every attribute that takes one.

/// A region name AWS does not use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an AWS region name such as \"eu-west-1\"")]
pub struct RegionError(pub String);

/// Check a region name: lower-case words and digits joined by `-`, ending
/// in a number, as in `us-east-1`, `ap-southeast-4`, `us-gov-west-1` or
/// `cn-north-1`.
pub fn validate_region(region: &str) -> Result<(), RegionError> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(RegionError(region.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in [
            "us-east-1",
            "eu-west-1",
            "ap-southeast-4",
            "us-gov-west-1",
            "cn-north-1",
            "il-central-1",
        ] {
            assert_eq!(validate_region(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "EU West 1",
            "eu-west",
            "eu_west_1",
            "eu-west-1a",
            "us-east-",
            "-us-east-1",
            "eu--west-1",
            "Eu-west-1",
        ] {
            assert!(validate_region(bad).is_err(), "{bad}");
        }
    }
}
