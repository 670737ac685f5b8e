# IRSA for a kubeadm cluster. The operator generates the service-account key
# pair; its public half goes in here, and both halves go to the control-plane
# nodes before `kubeadm init` (or replace the existing sa.key / sa.pub).

terraform {
  required_version = ">= 1.0"
  required_providers {
    irsa = {
      source = "irsa/irsa"
    }
  }
}

provider "irsa" {
  region            = var.region
  s3_use_path_style = var.s3_use_path_style
  endpoints {
    s3         = lookup(var.aws_endpoints, "s3", null)
    iam        = lookup(var.aws_endpoints, "iam", null)
    sts        = lookup(var.aws_endpoints, "sts", null)
    cloudfront = lookup(var.aws_endpoints, "cloudfront", null)
  }
}

locals {
  pki_dir          = "/etc/kubernetes/pki"
  key_file         = "${local.pki_dir}/sa.pub"
  signing_key_file = "${local.pki_dir}/sa.key"

  # One audience for both ends: the webhook projects the pods' tokens with
  # it, and the roles' trust policies require it.
  audience = "sts.amazonaws.com"
}

# The bucket, the discovery document, the public-read policy for exactly the
# two documents, and the IAM OIDC provider.
resource "irsa_issuer" "this" {
  hosting = var.hosting
  bucket  = var.bucket
  prefix  = var.cluster_name
  tags    = var.tags
}

# keys.json, from the public key the apiserver's tokens are verified with.
resource "irsa_jwks" "this" {
  bucket                    = irsa_issuer.this.bucket
  key                       = irsa_issuer.this.jwks_key
  region                    = irsa_issuer.this.region
  issuer_signing_algorithms = irsa_issuer.this.signing_algorithms
  public_keys_pem           = [file(var.sa_public_key_file)]
}

# One role per entry of var.roles, trusting exactly its service accounts.
resource "irsa_role" "this" {
  for_each = var.roles

  name              = "${var.cluster_name}-${each.key}"
  oidc_provider_arn = irsa_issuer.this.oidc_provider_arn
  service_accounts  = each.value.service_accounts
  policy_arns       = each.value.policy_arns
  audience          = local.audience
  tags              = var.tags
}

data "irsa_apiserver_flags" "this" {
  issuer_url       = irsa_issuer.this.issuer_url
  jwks_uri         = irsa_issuer.this.jwks_uri
  key_files        = [local.key_file]
  signing_key_file = local.signing_key_file
  previous_issuers = var.previous_issuers
}

# The pod identity webhook, with its certificate from cert-manager, as YAML
# for `kubectl apply -f -`. The pods it mutates get var.region as their
# default region.
data "irsa_pod_identity_webhook" "this" {
  audience   = local.audience
  aws_region = var.region
}
