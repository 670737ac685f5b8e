# Terraform 1.5 and later: the same id in an import block. With
# `terraform plan -generate-config-out=generated.tf`, Terraform writes the
# resource block from what it imported. `create_bucket` is read from the
# bucket's creation tag; `force_destroy` is not stored in AWS and imports as
# false.
import {
  to = irsa_issuer.prod
  id = "example-corp-oidc-prod/clusters/prod"
}

# An issuer with hosting = "external": its issuer URL.
import {
  to = irsa_issuer.edge
  id = "https://oidc.example.com/clusters/edge"
}
