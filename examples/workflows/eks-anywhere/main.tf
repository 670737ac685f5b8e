# IRSA for EKS Anywhere clusters that share one existing S3 bucket, each
# cluster under a path of its own (`<prefix>/<cluster>`).
#
# For each cluster: an issuer in the shared bucket (only its own objects and
# bucket-policy statements are touched), its roles, and the `podIamConfig`
# for the EKS Anywhere cluster spec. Once the cluster exists (`created =
# true`), EKS Anywhere's `<cluster>-sa` secret in the management cluster's
# `eksa-system` namespace holds its service-account public key (tls.crt),
# which is published as that cluster's keys.json.

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

  # "<cluster>-<role>" => the role, with its cluster.
  roles = merge([
    for cluster, c in var.clusters : {
      for name, role in c.roles : "${cluster}-${name}" => {
        cluster          = cluster
        service_accounts = role.service_accounts
        policy_arns      = role.policy_arns
      }
    }
  ]...)
}

resource "irsa_issuer" "this" {
  for_each = var.clusters

  bucket        = var.bucket
  create_bucket = false
  prefix        = "${var.prefix}/${each.key}"
  tags          = var.tags
}

resource "irsa_jwks" "this" {
  for_each = { for name, c in var.clusters : name => c if c.created }

  bucket                    = irsa_issuer.this[each.key].bucket
  key                       = irsa_issuer.this[each.key].jwks_key
  region                    = irsa_issuer.this[each.key].region
  issuer_signing_algorithms = irsa_issuer.this[each.key].signing_algorithms

  cluster {
    config_path    = pathexpand(var.management_kubeconfig)
    config_context = var.management_context
    secret {
      namespace = "eksa-system"
      name      = "${each.key}-sa"
    }
  }
}

resource "irsa_role" "this" {
  for_each = local.roles

  name              = each.key
  oidc_provider_arn = irsa_issuer.this[each.value.cluster].oidc_provider_arn
  service_accounts  = each.value.service_accounts
  policy_arns       = each.value.policy_arns
  audience          = local.audience
  tags              = var.tags
}

# The pod identity webhook, with its certificate from cert-manager, as YAML
# for `kubectl apply -f -`. Nothing in it depends on the cluster, so every
# cluster gets the same objects.
data "irsa_pod_identity_webhook" "this" {
  audience   = local.audience
  aws_region = var.region
}
