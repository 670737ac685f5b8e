"""What the equivalent hashicorp/aws resources call on refresh.

These figures are counted by reading the Read function of each resource in
hashicorp/terraform-provider-aws, not measured: the calls each makes on a
refresh of an existing object with default settings. Paths are in that
repository; where a commit is given, that is the version counted.
"""

# Per AWS resource: (calls, what they are, where they were counted).
AWS = {
    "aws_s3_bucket": (
        15,
        "HeadBucket, GetBucketPolicy, GetBucketAcl, GetBucketCors, GetBucketWebsite, GetBucketVersioning, "
        "GetBucketAccelerateConfiguration, GetBucketRequestPayment, GetBucketLogging, "
        "GetBucketLifecycleConfiguration, GetBucketReplication, GetBucketEncryption, "
        "GetObjectLockConfiguration, HeadBucket (region), GetBucketTagging",
        "`internal/service/s3/bucket.go` resourceBucketRead @ 4c72bcc7",
    ),
    "aws_s3_bucket_policy": (
        1, "GetBucketPolicy", "`internal/service/s3/bucket_policy.go` resourceBucketPolicyRead",
    ),
    "aws_s3_object": (
        2, "HeadObject, GetObjectTagging (plus KMS DescribeKey for SSE-KMS objects)",
        "`internal/service/s3/object.go` resourceObjectRead",
    ),
    "aws_s3_bucket_public_access_block": (
        1, "GetPublicAccessBlock",
        "`internal/service/s3/bucket_public_access_block.go` resourceBucketPublicAccessBlockRead",
    ),
    "aws_cloudfront_distribution": (
        2, "GetDistribution, ListTagsForResource (its tags, by ARN)",
        "`internal/service/cloudfront/distribution.go` resourceDistributionRead @ acde5882",
    ),
    "aws_cloudfront_origin_access_control": (
        1, "GetOriginAccessControl",
        "`internal/service/cloudfront/origin_access_control.go` resourceOriginAccessControlRead",
    ),
    "aws_iam_openid_connect_provider": (
        1, "GetOpenIDConnectProvider (tags come with it)",
        "`internal/service/iam/openid_connect_provider.go` resourceOpenIDConnectProviderRead @ 1265e584",
    ),
    "aws_iam_role": (
        3, "GetRole, ListRolePolicies, ListAttachedRolePolicies, plus GetRolePolicy per inline policy",
        "`internal/service/iam/role.go` resourceRoleRead @ 32773292",
    ),
}

# What stands in for each irsa case: [(aws resource, extra calls)].
EQUIVALENT = {
    "irsa_issuer": [("aws_s3_bucket", 0), ("aws_s3_bucket_policy", 0),
                    ("aws_s3_object", 0), ("aws_iam_openid_connect_provider", 0)],
    'irsa_issuer, hosting = "cloudfront"': [("aws_s3_bucket", 0), ("aws_s3_bucket_public_access_block", 0),
                                            ("aws_s3_bucket_policy", 0), ("aws_s3_object", 0),
                                            ("aws_cloudfront_distribution", 0),
                                            ("aws_cloudfront_origin_access_control", 0),
                                            ("aws_iam_openid_connect_provider", 0)],
    'irsa_issuer, hosting = "external"': [("aws_iam_openid_connect_provider", 0)],
    "irsa_jwks": [("aws_s3_object", 0)],
    "irsa_role": [("aws_iam_role", 0)],
    "irsa_role, 1 managed + 1 inline policy": [("aws_iam_role", 1)],
}


def equivalent(label):
    """(total calls, description) of the hashicorp/aws resources that do the
    job of the irsa case `label`."""
    parts = EQUIVALENT[label]
    total = sum(AWS[name][0] + extra for name, extra in parts)
    text = " + ".join(f"{name} {AWS[name][0] + extra}" for name, extra in parts)
    return total, text
