# The trust chain, proven from outside on every plan and apply, as STS sees
# it: the documents over public HTTPS, the IAM OIDC provider, every key the
# apiserver signs with published, and the trust policy of the first role for
# its first service account. A break is a warning naming the step and the
# message pods would get from STS.
#
# `check` blocks need Terraform 1.5 or later: delete this file for older
# versions (the rest of the workflow works from 1.0).

locals {
  # The first role by name, and its first service account without wildcards.
  trust_check_role = try(sort(keys(var.roles))[0], null)
  trust_check_service_account = try([
    for sa in var.roles[local.trust_check_role].service_accounts : sa if !can(regex("[*?]", sa))
  ][0], null)
}

check "irsa_trust_chain" {
  data "irsa_trust_check" "this" {
    issuer_url         = irsa_issuer.this.issuer_url
    role_arn           = local.trust_check_service_account == null ? null : irsa_role.this[local.trust_check_role].arn
    service_account    = local.trust_check_service_account
    tls_ca_certificate = var.trust_check_ca_certificate

    cluster {
      config_path    = pathexpand(var.kubeconfig)
      config_context = var.kube_context
      jwks_endpoint  = true
    }

    depends_on = [irsa_jwks.this]
  }

  assert {
    condition     = data.irsa_trust_check.this.ok
    error_message = "The IRSA trust chain is broken: ${jsonencode(data.irsa_trust_check.this.steps)}"
  }
}
