# Terraform 1.5 and later: the same id in an import block. For a role whose
# name was generated from `name_prefix`, the configuration that
# `terraform plan -generate-config-out=generated.tf` writes names both
# `name` and `name_prefix`; either may be taken out.
import {
  to = irsa_role.external_dns
  id = "cluster-a-external-dns"
}
