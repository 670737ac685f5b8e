variable "bucket" {
  description = "Existing S3 bucket shared by the clusters' issuers. Account-wide Block Public Access must allow public bucket policies."
  type        = string
}

variable "prefix" {
  description = "Path in the bucket under which each cluster's issuer lives, as `<prefix>/<cluster>`."
  type        = string
  default     = "eks-anywhere"
}

variable "clusters" {
  description = "The clusters, by name: `created` once the cluster exists (its key is then published), and its IAM roles by short name with the service accounts (`<namespace>:<name>`) that may assume each and the managed policies to attach."
  type = map(object({
    created = bool
    roles = map(object({
      service_accounts = list(string)
      policy_arns      = list(string)
    }))
  }))
}

variable "management_kubeconfig" {
  description = "Kubeconfig file with access to the management cluster (read only for clusters with `created = true`)."
  type        = string
  default     = "~/.kube/config"
}

variable "management_context" {
  description = "Context of the management cluster in that kubeconfig; null for its current context."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the OIDC providers and the roles."
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
