output "issuer_url" {
  description = "The issuer URL: `--service-account-issuer`, the discovery document's `issuer`, and the IAM OIDC provider's URL."
  value       = irsa_issuer.this.issuer_url
}

output "apiserver_flags" {
  description = "The kube-apiserver flags the patch sets."
  value       = data.irsa_apiserver_flags.this.flags
}

output "talos_patch" {
  description = "Machine-config patch for the control-plane nodes (`talosctl patch machineconfig --patch @file`)."
  value       = data.irsa_apiserver_flags.this.talos_patch
}

output "kids" {
  description = "Key IDs published in keys.json, as the apiserver serves them."
  value       = irsa_jwks.this.kids
}

output "role_arns" {
  description = "The role ARNs, by short name."
  value       = { for k, r in irsa_role.this : k => r.arn }
}

output "role_annotations" {
  description = "Annotations for each role's service accounts, by short name."
  value       = { for k, r in irsa_role.this : k => r.service_account_annotations }
}

output "pod_identity_webhook_talos_patch" {
  description = "Machine-config patch that adds the pod identity webhook to `cluster.inlineManifests` (`talosctl patch machineconfig --patch @file`)."
  value       = data.irsa_pod_identity_webhook.this.talos_inline_manifest
}
