variable "cluster_created" {
  description = "`false` before the workload cluster exists (phase 1), `true` once it does (phase 2: publish its key)."
  type        = bool
  default     = false
}

variable "cluster_name" {
  description = "Name of the workload cluster; its `<cluster>-sa` secret, the issuer's path in the bucket, the prefix of its role names."
  type        = string
}

variable "cluster_namespace" {
  description = "Namespace of the workload cluster's objects in the management cluster."
  type        = string
  default     = "default"
}

variable "management_kubeconfig" {
  description = "Kubeconfig file with access to the management cluster (read in phase 2 only)."
  type        = string
  default     = "~/.kube/config"
}

variable "management_context" {
  description = "Context of the management cluster in that kubeconfig; null for its current context."
  type        = string
  default     = null
}

variable "bucket" {
  description = "S3 bucket to create for the issuer. Its name appears in the issuer URL."
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
  description = "Endpoint overrides by service (`s3`, `iam`, `sts`), e.g. for a local AWS emulator. Empty for AWS."
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
