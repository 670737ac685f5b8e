# An issuer hosted outside S3 (e.g. behind CloudFront or on your own web
# server): IAM wants the thumbprint of the top certificate it serves.
data "irsa_tls_thumbprint" "issuer" {
  url = "https://oidc.example.com/cluster-a"
}

# A server whose chain ends at a private CA: trust that CA explicitly.
data "irsa_tls_thumbprint" "internal" {
  url                = "https://oidc.internal.example:8443"
  ca_certificate_pem = file("${path.module}/internal-root-ca.pem")
}

output "thumbprint" {
  value = data.irsa_tls_thumbprint.issuer.thumbprint
}
