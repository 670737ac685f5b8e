output "issuer_url" {
  description = "The issuer URL: `--service-account-issuer`, the discovery document's `issuer`, and the IAM OIDC provider's URL."
  value       = irsa_issuer.this.issuer_url
}

output "apiserver_flags" {
  description = "The kube-apiserver flags the overlay sets."
  value       = data.irsa_apiserver_flags.this.flags
}

output "ytt_overlay" {
  description = "Phase 1: save as ~/.config/tanzu/tkg/providers/ytt/03_customizations/irsa.yaml before creating the cluster."
  value       = data.irsa_apiserver_flags.this.ytt_overlay
}

output "kids" {
  description = "Phase 2: the key IDs published in keys.json (empty in phase 1)."
  value       = flatten(irsa_jwks.this[*].kids)
}

output "role_arns" {
  description = "The role ARNs, by short name."
  value       = { for k, r in irsa_role.this : k => r.arn }
}

output "role_annotations" {
  description = "Annotations for each role's service accounts, by short name."
  value       = { for k, r in irsa_role.this : k => r.service_account_annotations }
}

output "pod_identity_webhook_manifests" {
  description = "Phase 2: the pod identity webhook's objects for the workload cluster, one JSON document each, in apply order (empty in phase 1)."
  value       = flatten(data.irsa_pod_identity_webhook.this[*].manifests)
}
