# The trust chain of the first created cluster, proven from outside on every
# plan and apply, as STS sees it: the documents over public HTTPS, the IAM
# OIDC provider, the key in the management cluster's `<cluster>-sa` secret
# published, and the trust policy of the cluster's first role for its first
# service account. A break is a warning naming the step and the message pods
# would get from STS.
#
# `check` blocks need Terraform 1.5 or later: delete this file for older
# versions (the rest of the workflow works from 1.0).

locals {
  trust_check_cluster = try(sort([for name, c in var.clusters : name if c.created])[0], null)
  trust_check_role    = try(sort([for k, r in local.roles : k if r.cluster == local.trust_check_cluster])[0], null)
  trust_check_service_account = try([
    for sa in local.roles[local.trust_check_role].service_accounts : sa if !can(regex("[*?]", sa))
  ][0], null)
}

check "irsa_trust_chain" {
  data "irsa_trust_check" "this" {
    # With no cluster created yet there is nothing published to check; the
    # URL below then fails at the discovery step, as a warning.
    issuer_url         = try(irsa_issuer.this[local.trust_check_cluster].issuer_url, "https://no-cluster-created-yet.invalid")
    role_arn           = local.trust_check_service_account == null ? null : irsa_role.this[local.trust_check_role].arn
    service_account    = local.trust_check_service_account
    tls_ca_certificate = var.trust_check_ca_certificate

    cluster {
      config_path    = pathexpand(var.management_kubeconfig)
      config_context = var.management_context
      secret {
        namespace = "eksa-system"
        name      = "${coalesce(local.trust_check_cluster, "none")}-sa"
      }
    }

    depends_on = [irsa_jwks.this]
  }

  assert {
    condition     = data.irsa_trust_check.this.ok
    error_message = "The IRSA trust chain is broken: ${jsonencode(data.irsa_trust_check.this.steps)}"
  }
}
