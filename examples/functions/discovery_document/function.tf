locals {
  issuer_url = "https://${aws_s3_bucket.oidc.bucket_regional_domain_name}/cluster-a"
}

resource "aws_s3_object" "discovery" {
  bucket       = aws_s3_bucket.oidc.id
  key          = "cluster-a/.well-known/openid-configuration"
  content      = provider::irsa::discovery_document(local.issuer_url, "${local.issuer_url}/keys.json")
  content_type = "application/json"
}

# With keys of another type, name the algorithms:
#   provider::irsa::discovery_document(local.issuer_url, "${local.issuer_url}/keys.json", "RS256", "ES256")
