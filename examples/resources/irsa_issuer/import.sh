# An issuer at the root of its bucket is imported by the bucket name; one
# under a prefix by <bucket>/<prefix>. The IAM OIDC provider is found by the
# issuer URL, and the URL style, JWKS path and signing algorithms are read
# back from the published discovery document.
terraform import irsa_issuer.prod example-corp-oidc-prod/clusters/prod

# An issuer with hosting = "external" is imported by its issuer URL: the IAM
# OIDC provider for exactly that URL is taken into the state.
terraform import irsa_issuer.edge https://oidc.example.com/clusters/edge
