# The prefix of the condition keys, for a policy written by hand.
locals {
  host_path = provider::irsa::issuer_host_path(irsa_issuer.this.issuer_url)
  sub_key   = "${local.host_path}:sub" # e.g. "bucket.s3.eu-west-1.amazonaws.com/cluster-a:sub"
}
