output "issuer_url" {
  description = "The issuer URL: `--service-account-issuer`, the discovery document's `issuer`, and the IAM OIDC provider's URL."
  value       = irsa_issuer.this.issuer_url
}

output "apiserver_flags" {
  description = "The kube-apiserver flags, the new issuer first."
  value       = data.irsa_apiserver_flags.this.flags
}

output "kubeadm_patch" {
  description = "ClusterConfiguration (kubeadm v1beta4, 1.31+) to merge into the kubeadm configuration."
  value       = data.irsa_apiserver_flags.this.kubeadm_v1beta4
}

output "kubeadm_patch_v1beta3" {
  description = "The same for kubeadm before 1.31 (v1beta3)."
  value       = data.irsa_apiserver_flags.this.kubeadm_v1beta3
}

output "service_account_key_file" {
  description = "Where sa.pub goes on every control-plane node (`--service-account-key-file`)."
  value       = local.key_file
}

output "service_account_signing_key_file" {
  description = "Where sa.key goes on every control-plane node (`--service-account-signing-key-file`)."
  value       = local.signing_key_file
}

output "kids" {
  description = "Key IDs published in keys.json; the apiserver's token headers carry one of them."
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

output "pod_identity_webhook_yaml" {
  description = "The pod identity webhook's objects, for `kubectl apply -f -` once cert-manager runs in the cluster."
  value       = data.irsa_pod_identity_webhook.this.yaml
}
