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

# Where no bucket may be public: a private bucket served by CloudFront, at
# oidc.example.com (a DNS record pointing at distribution_domain_name, and
# a certificate for it in us-east-1).
resource "irsa_issuer" "private" {
  hosting = "cloudfront"
  bucket  = "example-corp-oidc-private"
  prefix  = "clusters/prod"
  cloudfront {
    aliases             = ["oidc.example.com"]
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    price_class         = "PriceClass_100"
  }
}

# An issuer served by something you run (here a web server at
# oidc.example.com): no S3 call is made. Publish discovery_json at
# <issuer_url>/.well-known/openid-configuration and the key set at jwks_uri
# (by default <issuer_url>/openid/v1/jwks).
resource "irsa_issuer" "edge" {
  hosting    = "external"
  issuer_url = "https://oidc.example.com/clusters/edge"
}

data "irsa_jwks_document" "edge" {
  public_keys_pem = [file("${path.module}/pki/sa.pub")]
}

output "edge_files" {
  value = {
    (irsa_issuer.edge.discovery_key) = irsa_issuer.edge.discovery_json
    (irsa_issuer.edge.jwks_key)      = data.irsa_jwks_document.edge.json
  }
}
