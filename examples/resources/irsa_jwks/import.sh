# Import a published key set by `<bucket>/<key>`. The keys are read back
# from the object, so a configuration listing the same PEM files plans no
# change; the region is the bucket's.
terraform import irsa_jwks.cluster_a irsa-example-cluster-a/keys.json
