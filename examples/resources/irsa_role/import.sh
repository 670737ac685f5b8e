# Import a role by its name. The service accounts, OIDC providers and
# audience are read back from its trust policy when it has the shape this
# resource renders; otherwise give them in the configuration, and the plan
# shows the trust policy rewritten in place.
terraform import irsa_role.external_dns cluster-a-external-dns
