variable "cluster_name" {
  description = "Name of the cluster; the issuer's path in the bucket and the prefix of its role names."
  type        = string
}

variable "kubeconfig" {
  description = "Kubeconfig file with access to the cluster (`talosctl kubeconfig`)."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "Context of the cluster in that kubeconfig; null for its current context."
  type        = string
  default     = null
}

variable "signing_algorithms" {
  description = "Algorithms of the cluster's token signer: `ES256` for the P-256 key Talos generates, `RS256` for an RSA key."
  type        = list(string)
  default     = ["ES256"]
}

variable "previous_issuers" {
  description = "Issuers the cluster's tokens were signed for before (the `issuer` of `kubectl get --raw /.well-known/openid-configuration`); still accepted, so running pods keep working. `[]` for a new cluster."
  type        = list(string)
  default     = []
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
