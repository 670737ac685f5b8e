"""Check a running scripts/moto_server.py behaves like AWS where we patched it.

Needs AWS_ENDPOINT_URL (http://127.0.0.1:<port>) and fake AWS_* credentials in
the environment. Exits non-zero with a message on the first failed check.
"""

import json
import os
import sys
import uuid

import boto3
from botocore.exceptions import ClientError


def main():
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    bucket = f"selftest-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)

    # The "deny unless HTTPS" statement; real S3 over HTTPS never applies it.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    policy_text = json.dumps(policy)
    s3.put_bucket_policy(Bucket=bucket, Policy=policy_text)

    body = b"hello from the moto self-test\n"
    s3.put_object(Bucket=bucket, Key="dir/object.txt", Body=body)
    got = s3.get_object(Bucket=bucket, Key="dir/object.txt")["Body"].read()
    check(got == body, f"GetObject returned {got!r}, expected {body!r}")

    stored = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    check(
        json.loads(stored) == policy,
        f"GetBucketPolicy returned {stored}, expected {policy_text}",
    )

    s3.delete_object(Bucket=bucket, Key="dir/object.txt")

    # Statements without a Condition must still be enforced.
    policy["Statement"].append(
        {
            "Sid": "DenyReads",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    s3.put_object(Bucket=bucket, Key="denied.txt", Body=body)
    try:
        s3.get_object(Bucket=bucket, Key="denied.txt")
        check(False, "GetObject succeeded despite an unconditional Deny")
    except ClientError as err:
        status = err.response["ResponseMetadata"]["HTTPStatusCode"]
        check(status == 403, f"expected 403 for denied GetObject, got {status}")
    s3.delete_bucket_policy(Bucket=bucket)
    s3.delete_object(Bucket=bucket, Key="denied.txt")
    s3.delete_bucket(Bucket=bucket)

    check_federated_principals(endpoint)
    check_unsigned_well_known(endpoint)
    check_cloudfront(endpoint)
    check_role_details_pages(endpoint)
    print("moto self-test passed")


def check_federated_principals(endpoint):
    """Trust policies naming an unknown OIDC provider are refused, as by AWS."""
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    host = f"selftest-{uuid.uuid4().hex[:12]}.example.com"
    arn = f"arn:aws:iam::123456789012:oidc-provider/{host}"
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                }
            ],
        }
    )
    role = f"selftest-{uuid.uuid4().hex[:12]}"
    try:
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
        check(False, "CreateRole accepted an unknown OIDC provider as principal")
    except ClientError as err:
        error = err.response["Error"]
        check(
            error["Code"] == "MalformedPolicyDocument"
            and "Invalid principal in policy" in error["Message"],
            f"CreateRole with an unknown principal failed with {error}",
        )
    created = iam.create_open_id_connect_provider(
        Url=f"https://{host}", ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40]
    )
    check(created["OpenIDConnectProviderArn"] == arn, f"unexpected ARN {created}")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=trust)
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    try:
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=trust)
        check(False, "UpdateAssumeRolePolicy accepted an unknown OIDC provider")
    except ClientError as err:
        check(
            err.response["Error"]["Code"] == "MalformedPolicyDocument",
            f"UpdateAssumeRolePolicy failed with {err.response['Error']}",
        )
    iam.delete_role(RoleName=role)


def check_unsigned_well_known(endpoint):
    """An anonymous GET of a bucket's `.well-known` object is served by S3."""
    import urllib.error
    import urllib.request

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    bucket = f"selftest-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    body = b'{"issuer": "https://example.com"}'
    key = ".well-known/openid-configuration"
    s3.put_object(Bucket=bucket, Key=key, Body=body, ACL="public-read")
    s3.put_object(Bucket=bucket, Key="private.json", Body=body)
    with urllib.request.urlopen(f"{endpoint}/{bucket}/{key}") as answer:
        got = answer.read()
    check(got == body, f"anonymous GET of {key} returned {got!r}, expected {body!r}")
    try:
        urllib.request.urlopen(f"{endpoint}/{bucket}/private.json")
        check(False, "anonymous GET of a private object succeeded")
    except urllib.error.HTTPError as err:
        check(err.code == 403, f"anonymous GET of a private object gave {err.code}")
    for k in (key, "private.json"):
        s3.delete_object(Bucket=bucket, Key=k)
    s3.delete_bucket(Bucket=bucket)


def check_cloudfront(endpoint):
    """The CloudFront patches: OAC ids kept on origins, caller references
    idempotent, ETags checked and renewed, deploys taking a look, enabled
    distributions and used OACs kept from deletion, OAC names unique."""
    cf = boto3.client("cloudfront", endpoint_url=endpoint, region_name="us-east-1")
    name = f"selftest-{uuid.uuid4().hex[:12]}"
    oac_config = {
        "Name": name,
        "Description": "self-test",
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }
    oac = cf.create_origin_access_control(OriginAccessControlConfig=oac_config)
    oac_id, oac_etag = oac["OriginAccessControl"]["Id"], oac["ETag"]
    expect_error(
        lambda: cf.create_origin_access_control(OriginAccessControlConfig=oac_config),
        "OriginAccessControlAlreadyExists",
    )
    config = {
        "CallerReference": name,
        "Comment": "self-test",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "o",
                    "DomainName": f"{name}.s3.eu-west-1.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                    "OriginAccessControlId": oac_id,
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "o",
            "ViewerProtocolPolicy": "https-only",
            "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        },
    }
    made = cf.create_distribution(DistributionConfig=config)["Distribution"]
    dist_id = made["Id"]
    check(made["Status"] == "InProgress", f"a new distribution is {made['Status']}")
    origin = made["DistributionConfig"]["Origins"]["Items"][0]
    check(origin.get("OriginAccessControlId") == oac_id, f"origin without its OAC: {origin}")
    again = cf.create_distribution(DistributionConfig=config)["Distribution"]
    check(again["Id"] == dist_id, "a repeated caller reference made another distribution")
    expect_error(
        lambda: cf.create_distribution(DistributionConfig=dict(config, Comment="other")),
        "DistributionAlreadyExists",
    )
    statuses = [cf.get_distribution(Id=dist_id)["Distribution"]["Status"] for _ in range(2)]
    check(statuses == ["InProgress", "Deployed"], f"statuses {statuses}")
    etag = cf.get_distribution(Id=dist_id)["ETag"]
    expect_error(
        lambda: cf.update_distribution(Id=dist_id, IfMatch="stale", DistributionConfig=config),
        "PreconditionFailed",
    )
    updated = cf.update_distribution(
        Id=dist_id, IfMatch=etag, DistributionConfig=dict(config, Enabled=False)
    )
    check(updated["ETag"] != etag, "an update kept the ETag")
    check(updated["Distribution"]["Status"] == "InProgress", "an update was deployed at once")
    expect_error(
        lambda: cf.delete_origin_access_control(Id=oac_id, IfMatch=oac_etag),
        "OriginAccessControlInUse",
    )
    enabled = cf.update_distribution(Id=dist_id, IfMatch=updated["ETag"], DistributionConfig=config)
    expect_error(
        lambda: cf.delete_distribution(Id=dist_id, IfMatch=enabled["ETag"]),
        "DistributionNotDisabled",
    )
    disabled = cf.update_distribution(
        Id=dist_id, IfMatch=enabled["ETag"], DistributionConfig=dict(config, Enabled=False)
    )
    expect_error(lambda: cf.delete_distribution(Id=dist_id, IfMatch="stale"), "PreconditionFailed")
    cf.delete_distribution(Id=dist_id, IfMatch=disabled["ETag"])
    expect_error(
        lambda: cf.delete_origin_access_control(Id=oac_id, IfMatch="stale"), "PreconditionFailed"
    )
    cf.delete_origin_access_control(Id=oac_id, IfMatch=oac_etag)
    expect_error(
        lambda: cf.delete_origin_access_control(Id=oac_id, IfMatch=oac_etag),
        "NoSuchOriginAccessControl",
    )


def check_role_details_pages(endpoint):
    """GetAccountAuthorizationDetails pages the roles: at most 100 a page,
    each role once, the last page not truncated."""
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    tag = uuid.uuid4().hex[:8]
    made = {f"selftest-{tag}-{i}" for i in range(150)}
    for name in made:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")
    seen, pages, marker = [], 0, None
    while True:
        args = {"Filter": ["Role"], "MaxItems": 1000}
        if marker:
            args["Marker"] = marker
        page = iam.get_account_authorization_details(**args)
        pages += 1
        check(len(page["RoleDetailList"]) <= 100, "a page of more than 100 roles")
        seen += [r["RoleName"] for r in page["RoleDetailList"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    check(pages >= 2, f"{len(seen)} roles in {pages} page(s)")
    check(len(seen) == len(set(seen)), "a role in two pages")
    check(made <= set(seen), "a role missing from the pages")
    for name in made:
        iam.delete_role(RoleName=name)


def expect_error(call, code):
    try:
        call()
    except ClientError as e:
        got = e.response["Error"]["Code"]
        check(got == code, f"expected {code}, got {got}")
        return
    check(False, f"expected {code}, the call succeeded")


def check(ok, message):
    if not ok:
        sys.exit(f"moto self-test FAILED: {message}")


if __name__ == "__main__":
    main()
