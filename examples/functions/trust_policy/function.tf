# A role kept in hashicorp/aws, with the trust policy irsa_role would write.
resource "aws_iam_role" "web" {
  name = "cluster-a-web"
  assume_role_policy = provider::irsa::trust_policy(
    aws_iam_openid_connect_provider.cluster_a.arn,
    ["apps:web", "jobs:*"],
    "sts.amazonaws.com",
  )
}
