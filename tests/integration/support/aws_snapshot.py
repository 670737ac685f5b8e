"""Print, as JSON, what the emulator holds for one bucket and the IAM OIDC
providers whose URL mentions it, read through signed API calls only (moto
answers unsigned GETs of /.well-known/... from its Cognito emulation).

    python tests/integration/support/aws_snapshot.py <bucket>

The endpoint and credentials come from the environment (Moto::env()).
"""

import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


# The tag the provider writes on what it creates; reported apart from the
# user's tags, as `creation_token`.
TOKEN = "irsa:creation-token"


def code(e):
    return e.response["Error"]["Code"]


def main():
    bucket = sys.argv[1]
    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
    iam = boto3.client("iam")
    out = {"bucket_exists": True, "objects": {}, "policy": None,
           "public_access_block": None, "ownership": None, "tags": {},
           "creation_token": None}
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        out["bucket_exists"] = False
    if out["bucket_exists"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for o in page.get("Contents", []):
                obj = s3.get_object(Bucket=bucket, Key=o["Key"])
                out["objects"][o["Key"]] = {
                    "body": obj["Body"].read().decode(),
                    "content_type": obj.get("ContentType"),
                }
        try:
            out["policy"] = s3.get_bucket_policy(Bucket=bucket)["Policy"]
        except ClientError as e:
            assert code(e) == "NoSuchBucketPolicy", e
        try:
            out["public_access_block"] = s3.get_public_access_block(Bucket=bucket)[
                "PublicAccessBlockConfiguration"]
        except ClientError as e:
            assert code(e) == "NoSuchPublicAccessBlockConfiguration", e
        try:
            rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
            out["ownership"] = rules[0]["ObjectOwnership"]
        except ClientError as e:
            assert code(e) == "OwnershipControlsNotFoundError", e
        try:
            tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
            out["tags"] = {t["Key"]: t["Value"] for t in tags}
            out["creation_token"] = out["tags"].pop(TOKEN, None)
        except ClientError as e:
            assert code(e) == "NoSuchTagSet", e
    providers = {}
    for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        arn = p["Arn"]
        if f"/{bucket}" not in arn and f"/{bucket}." not in arn:
            continue
        got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        providers[arn] = {
            "url": got["Url"],
            "client_ids": sorted(got.get("ClientIDList", [])),
            "thumbprints": sorted(got.get("ThumbprintList", [])),
            "tags": {t["Key"]: t["Value"] for t in got.get("Tags", []) if t["Key"] != TOKEN},
            "creation_token": next((t["Value"] for t in got.get("Tags", []) if t["Key"] == TOKEN), None),
        }
    out["providers"] = providers
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
