# The discovery document of an issuer whose bucket is managed with
# hashicorp/aws, next to the key set from irsa_jwks_document.
locals {
  issuer_url = "https://${aws_s3_bucket.oidc.bucket_regional_domain_name}/clusters/prod"
}

data "irsa_discovery_document" "prod" {
  issuer_url = local.issuer_url
  jwks_uri   = "${local.issuer_url}/keys.json"
}

resource "aws_s3_object" "discovery" {
  bucket       = aws_s3_bucket.oidc.id
  key          = "clusters/prod/.well-known/openid-configuration"
  content      = data.irsa_discovery_document.prod.json
  content_type = "application/json"
}
