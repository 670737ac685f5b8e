# Import a role by its name. The service accounts, OIDC providers and
# audience are read back from its trust policy.
terraform import irsa_role.external_dns cluster-a-external-dns
