# Terraform 1.5 and later: the same id in an import block. The configuration
# that `terraform plan -generate-config-out=generated.tf` writes lists the
# published keys as `public_keys_pem` and names the bucket's region. A
# `cluster` block (and its token) and `issuer_signing_algorithms` are not
# stored in AWS: a configuration that sets them plans an in-place update,
# which writes nothing to S3 while the keys are the same.
import {
  to = irsa_jwks.cluster_a
  id = "irsa-example-cluster-a/keys.json"
}
