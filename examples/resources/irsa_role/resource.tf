# The ARN of the IAM OIDC provider registered for the cluster's issuer, e.g.
# from irsa_issuer, or from an OIDC provider created some other way.
variable "oidc_provider_arn" {
  type    = string
  default = "arn:aws:iam::123456789012:oidc-provider/irsa-example.s3.eu-west-1.amazonaws.com/cluster-a"
}

# One service account, exactly.
resource "irsa_role" "external_dns" {
  name              = "cluster-a-external-dns"
  oidc_provider_arn = var.oidc_provider_arn
  service_accounts  = ["kube-system:external-dns"]
  policy_arns       = ["arn:aws:iam::aws:policy/AmazonRoute53FullAccess"]
}

# Exact and wildcard entries together, an inline policy, a generated name.
resource "irsa_role" "reports" {
  name_prefix       = "reports-"
  path              = "/k8s/cluster-a/"
  oidc_provider_arn = var.oidc_provider_arn
  service_accounts = [
    "billing:report-writer",
    "team-*:report-reader",
  ]

  inline_policies = {
    read-reports = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:ListBucket"]
        Resource = ["arn:aws:s3:::example-reports", "arn:aws:s3:::example-reports/*"]
      }]
    })
  }

  max_session_duration = 7200
  tags = {
    cluster = "cluster-a"
  }
}

# While moving a cluster to a new issuer, trust both.
resource "irsa_role" "migrating" {
  name              = "cluster-a-app"
  oidc_provider_arn = var.oidc_provider_arn
  additional_oidc_provider_arns = [
    "arn:aws:iam::123456789012:oidc-provider/oidc.cluster-a.example.com",
  ]
  service_accounts = ["apps:web"]
}

# Annotate the service account with the role:
#   kubectl annotate serviceaccount -n kube-system external-dns \
#     eks.amazonaws.com/role-arn=<arn>
output "external_dns_annotations" {
  value = irsa_role.external_dns.service_account_annotations
}
