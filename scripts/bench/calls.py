"""AWS calls per refresh: the requests the provider sends to the emulator
during `terraform plan -refresh-only`, one resource type per configuration
and state, so that every recorded call belongs to that type."""

import json
import sys

from common import IRSA_SOURCE, TerraformDir, TerraformError, public_key_pem
from emulator import summarize

OIDC_URL = "https://irsa-bench-calls.s3.us-east-1.amazonaws.com/cluster"
JWKS_BUCKET = "irsa-bench-calls-jwks"

# (label, irsa type, target, resource configuration); {arn} is the ARN of an
# IAM OIDC provider, {policy} of a managed policy and {bucket} a bucket, all
# created first by refresh_calls.
CASES = [
    ("irsa_issuer", "irsa_issuer", 4, """
resource "irsa_issuer" "bench" {
  bucket = "irsa-bench-calls-issuer"
  prefix = "cluster"
}
"""),
    ('irsa_issuer, hosting = "cloudfront"', "irsa_issuer", 6, """
resource "irsa_issuer" "bench" {
  hosting = "cloudfront"
  bucket  = "irsa-bench-calls-private"
  prefix  = "cluster"
}
"""),
    ('irsa_issuer, hosting = "external"', "irsa_issuer", 1, """
resource "irsa_issuer" "bench" {
  hosting     = "external"
  issuer_url  = "https://oidc.bench.example.com/cluster"
  thumbprints = ["9999999999999999999999999999999999999999"]
}
"""),
    ("irsa_jwks", "irsa_jwks", 1, """
resource "irsa_jwks" "bench" {
  bucket          = "{bucket}"
  key             = "cluster/openid/v1/jwks"
  public_keys_pem = [file("sa.pub")]
}
"""),
    ("irsa_role", "irsa_role", 2, """
resource "irsa_role" "bench" {
  name              = "irsa-bench-calls"
  oidc_provider_arn = "{arn}"
  service_accounts  = ["default:bench"]
}
"""),
    ("irsa_role, 1 managed + 1 inline policy", "irsa_role", None, """
resource "irsa_role" "bench" {
  name              = "irsa-bench-calls-policies"
  oidc_provider_arn = "{arn}"
  service_accounts  = ["default:bench"]
  policy_arns       = ["{policy}"]
  inline_policies = {
    read = jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
    })
  }
}
"""),
]


def refresh_calls(binary_dir, moto):
    """For each case: apply, record a refresh-only plan, destroy. Returns a
    list of dicts with the label, target, count and the calls made, or
    `unavailable` with the reason."""
    iam = moto.client("iam")
    arn = iam.create_open_id_connect_provider(
        Url=OIDC_URL, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["9" * 40])["OpenIDConnectProviderArn"]
    policy = iam.create_policy(PolicyName="irsa-bench-calls", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }))["Policy"]["Arn"]
    moto.client("s3").create_bucket(Bucket=JWKS_BUCKET)
    fill = {"{arn}": arn, "{policy}": policy, "{bucket}": JWKS_BUCKET}
    results = []
    for label, type_name, target, body in CASES:
        row = {"label": label, "type": type_name, "target": target}
        with TerraformDir({IRSA_SOURCE: binary_dir}, moto.env()) as tf:
            for placeholder, value in fill.items():
                body = body.replace(placeholder, value)
            tf.write("main.tf", moto.provider_block() + body)
            tf.write("sa.pub", public_key_pem())
            try:
                tf.run("apply", "-auto-approve", "-input=false", "-no-color")
            except TerraformError as e:
                if f'does not support resource type "{type_name}"' in e.output:
                    row["unavailable"] = "not available in this build"
                    results.append(row)
                    continue
                raise
            moto.start_recording()
            tf.run("plan", "-refresh-only", "-input=false", "-no-color")
            calls = moto.stop_recording()
            tf.run("destroy", "-auto-approve", "-input=false", "-no-color")
        row["count"] = len(calls)
        row["calls"] = summarize(calls)
        print(f"bench: {label}: {len(calls)} calls ({row['calls']})", file=sys.stderr)
        results.append(row)
    return results
