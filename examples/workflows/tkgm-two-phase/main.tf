# IRSA for a TKGm workload cluster, in two applies.
#
# Phase 1 (cluster_created = false): the issuer, the roles, and the ytt
# overlay that puts the issuer flags into the cluster's KubeadmControlPlane.
# Copy the overlay into ~/.config/tanzu/tkg/providers/ytt/03_customizations/
# and create the cluster.
#
# Phase 2 (cluster_created = true): Cluster API has generated the cluster's
# service-account key pair into the `<cluster>-sa` secret of the management
# cluster; its public half (tls.crt) is published as keys.json. The private
# half (tls.key) is never read. The pod identity webhook for the workload
# cluster is rendered too, for kubectl.

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
  bucket = var.bucket
  prefix = var.cluster_name
  tags   = var.tags
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
  previous_issuers = []
}

# Phase 2 only: the public key from the management cluster.
resource "irsa_jwks" "this" {
  count = var.cluster_created ? 1 : 0

  bucket                    = irsa_issuer.this.bucket
  key                       = irsa_issuer.this.jwks_key
  region                    = irsa_issuer.this.region
  issuer_signing_algorithms = irsa_issuer.this.signing_algorithms

  cluster {
    config_path    = pathexpand(var.management_kubeconfig)
    config_context = var.management_context
    secret {
      namespace = var.cluster_namespace
      name      = "${var.cluster_name}-sa"
      key       = "tls.crt"
    }
  }
}

# Phase 2 only: the pod identity webhook for the workload cluster, which
# exists by then. This configuration reaches only the management cluster, so
# the objects are an output, applied to the workload cluster with kubectl.
data "irsa_pod_identity_webhook" "this" {
  count = var.cluster_created ? 1 : 0

  audience   = local.audience
  aws_region = var.region
}
