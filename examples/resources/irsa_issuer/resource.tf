# A bucket of its own for one cluster's issuer.
resource "irsa_issuer" "prod" {
  bucket = "example-corp-oidc-prod"
  prefix = "clusters/prod"
  tags = {
    cluster = "prod"
  }
}

# Several clusters sharing an existing bucket: each issuer adds and removes
# only its own bucket-policy statements.
resource "irsa_issuer" "staging" {
  bucket        = "example-corp-shared-oidc"
  create_bucket = false
  prefix        = "clusters/staging"
}

# Feed the issuer to the apiserver flags and to role trust policies.
data "irsa_apiserver_flags" "prod" {
  issuer_url = irsa_issuer.prod.issuer_url
  jwks_uri   = irsa_issuer.prod.jwks_uri
}

output "issuer_url" {
  value = irsa_issuer.prod.issuer_url
}

output "oidc_provider_arn" {
  value = irsa_issuer.prod.oidc_provider_arn
}
