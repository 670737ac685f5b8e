output "issuer_urls" {
  description = "Each cluster's issuer URL: its `podIamConfig.serviceAccountIssuer`, the discovery document's `issuer`, the IAM OIDC provider's URL."
  value       = { for name, i in irsa_issuer.this : name => i.issuer_url }
}

output "pod_iam_config" {
  description = "For each cluster, the fragment of its EKS Anywhere `Cluster` spec to set before `eksctl anywhere create cluster`."
  value = { for name, i in irsa_issuer.this : name => <<-YAML
    spec:
      podIamConfig:
        serviceAccountIssuer: ${i.issuer_url}
    YAML
  }
}

output "kids" {
  description = "For each created cluster, the key IDs published in its keys.json."
  value       = { for name, j in irsa_jwks.this : name => j.kids }
}

output "role_arns" {
  description = "The role ARNs, by `<cluster>-<role>`."
  value       = { for k, r in irsa_role.this : k => r.arn }
}

output "role_annotations" {
  description = "Annotations for each role's service accounts, by `<cluster>-<role>`."
  value       = { for k, r in irsa_role.this : k => r.service_account_annotations }
}

output "pod_identity_webhook_yaml" {
  description = "The pod identity webhook's objects, the same for every cluster, for `kubectl apply -f -` with the cluster's kubeconfig."
  value       = data.irsa_pod_identity_webhook.this.yaml
}
