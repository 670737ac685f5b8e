# IRSA for a Talos cluster. Talos generates the service-account key itself
# (ECDSA P-256) and keeps it in the machine configuration, so the public key
# is read where the running cluster serves it: the apiserver's
# /openid/v1/jwks. Apply the `talos_patch` output to the control-plane nodes
# (`talosctl patch machineconfig --patch @irsa-patch.yaml`); the key does not
# change when the issuer does.

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
    s3  = lookup(var.aws_endpoints, "s3", null)
    iam = lookup(var.aws_endpoints, "iam", null)
    sts = lookup(var.aws_endpoints, "sts", null)
  }
}

locals {
  # One audience for both ends: the webhook projects the pods' tokens with
  # it, and the roles' trust policies require it.
  audience = "sts.amazonaws.com"
}

resource "irsa_issuer" "this" {
  bucket             = var.bucket
  prefix             = var.cluster_name
  signing_algorithms = var.signing_algorithms
  tags               = var.tags
}

# keys.json, with the keys the apiserver itself serves.
resource "irsa_jwks" "this" {
  bucket                    = irsa_issuer.this.bucket
  key                       = irsa_issuer.this.jwks_key
  region                    = irsa_issuer.this.region
  issuer_signing_algorithms = irsa_issuer.this.signing_algorithms

  cluster {
    config_path    = pathexpand(var.kubeconfig)
    config_context = var.kube_context
    jwks_endpoint  = true
  }
}

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
  previous_issuers = var.previous_issuers
}

# The pod identity webhook, with its certificate from cert-manager, as a
# machine-config patch (`cluster.inlineManifests`) for the control-plane
# nodes.
data "irsa_pod_identity_webhook" "this" {
  audience   = local.audience
  aws_region = var.region
}
