//! AWS partitions: which ARN prefix and DNS domain a region belongs to.
//!
//! Only the partitions a public OIDC issuer can live in are modelled: the
//! commercial partition, China and GovCloud (US). Every region that is not
//! in China or GovCloud is taken to be commercial.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Partition {
    /// `aws`: the commercial regions, `amazonaws.com`.
    Aws,
    /// `aws-cn`: the China regions (`cn-*`), `amazonaws.com.cn`.
    AwsCn,
    /// `aws-us-gov`: AWS GovCloud (US) (`us-gov-*`), `amazonaws.com`.
    AwsUsGov,
}

impl Partition {
    /// The partition a region belongs to.
    pub fn of_region(region: &str) -> Partition {
        if region.starts_with("cn-") {
            Partition::AwsCn
        } else if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else {
            Partition::Aws
        }
    }

    /// The partition's name as it appears in ARNs (`arn:<id>:...`).
    pub fn id(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }

    /// The DNS suffix of the partition's public service endpoints.
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::AwsCn => "amazonaws.com.cn",
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
        }
    }

    /// The regional S3 endpoint host, e.g. `s3.eu-west-1.amazonaws.com`.
    pub fn s3_host(self, region: &str) -> String {
        format!("s3.{region}.{}", self.dns_suffix())
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_partitions() {
        for (region, partition, host) in [
            ("us-east-1", Partition::Aws, "s3.us-east-1.amazonaws.com"),
            (
                "eu-central-2",
                Partition::Aws,
                "s3.eu-central-2.amazonaws.com",
            ),
            (
                "cn-north-1",
                Partition::AwsCn,
                "s3.cn-north-1.amazonaws.com.cn",
            ),
            (
                "cn-northwest-1",
                Partition::AwsCn,
                "s3.cn-northwest-1.amazonaws.com.cn",
            ),
            (
                "us-gov-west-1",
                Partition::AwsUsGov,
                "s3.us-gov-west-1.amazonaws.com",
            ),
            (
                "us-gov-east-1",
                Partition::AwsUsGov,
                "s3.us-gov-east-1.amazonaws.com",
            ),
        ] {
            let p = Partition::of_region(region);
            assert_eq!(p, partition, "{region}");
            assert_eq!(p.s3_host(region), host);
        }
        assert_eq!(Partition::AwsCn.id(), "aws-cn");
        assert_eq!(Partition::AwsUsGov.to_string(), "aws-us-gov");
        assert_eq!(Partition::Aws.id(), "aws");
    }
}
