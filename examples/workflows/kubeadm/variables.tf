variable "cluster_name" {
  description = "Name of the cluster; the issuer's path in the bucket and the prefix of its role names."
  type        = string
}

variable "bucket" {
  description = "S3 bucket to create for the issuer. Its name appears in the issuer URL."
  type        = string
}

variable "hosting" {
  description = "Where the issuer's documents are served: `s3` (a bucket with a public-read policy for exactly the two documents) or `cloudfront` (a private bucket behind a CloudFront distribution, for accounts where no bucket may be public)."
  type        = string
  default     = "s3"

  validation {
    condition     = contains(["s3", "cloudfront"], var.hosting)
    error_message = "The hosting must be \"s3\" or \"cloudfront\"."
  }
}

variable "sa_public_key_file" {
  description = "The service-account public key (PEM), e.g. from `openssl pkey -in sa.key -pubout -out sa.pub`."
  type        = string
}

variable "roles" {
  description = "IAM roles to create, by short name: the service accounts (`<namespace>:<name>`) that may assume each, and the managed policies to attach."
  type = map(object({
    service_accounts = list(string)
    policy_arns      = list(string)
  }))
  default = {}
}

variable "previous_issuers" {
  description = "Issuers the cluster's tokens were signed for before (kubeadm's default is `https://kubernetes.default.svc.cluster.local`); still accepted, so running pods keep working. `[]` for a new cluster."
  type        = list(string)
  default     = ["https://kubernetes.default.svc.cluster.local"]
}

variable "tags" {
  description = "Tags for the bucket, the OIDC provider and the roles."
  type        = map(string)
  default     = {}
}

variable "region" {
  description = "AWS region of the bucket and the API calls."
  type        = string
  default     = "us-east-1"
}

variable "aws_endpoints" {
  description = "Endpoint overrides by service (`s3`, `iam`, `sts`, `cloudfront`), e.g. for a local AWS emulator. Empty for AWS."
  type        = map(string)
  default     = {}
}

variable "s3_use_path_style" {
  description = "Address S3 path-style, as most S3-compatible servers need. `false` for AWS."
  type        = bool
  default     = false
}

variable "trust_check_ca_certificate" {
  description = "PEM CA certificates the trust check (check.tf) trusts besides the public roots, for a private test setup such as a local emulator. Null for AWS: STS itself accepts only public CAs."
  type        = string
  default     = null
}
