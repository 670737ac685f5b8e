# Publish the key set with hashicorp/aws, next to a discovery document.
resource "aws_s3_object" "jwks" {
  bucket       = aws_s3_bucket.oidc.id
  key          = "cluster-a/keys.json"
  content      = provider::irsa::jwks([file("sa.pub"), file("sa-next.pub")])
  content_type = "application/json"
}
