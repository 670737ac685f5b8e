# The quickstart `make demo` applies: everything the provider does today, on
# a freshly generated service-account key, against a local AWS emulator.

terraform {
  required_providers {
    irsa = {
      source = "irsa/irsa"
    }
  }
}

variable "public_key_pem" {
  description = "The cluster's service-account public key (kubeadm: /etc/kubernetes/pki/sa.pub)."
  type        = string
}

variable "bucket" {
  description = "The S3 bucket that publishes the issuer's documents."
  type        = string
  default     = "irsa-quickstart"
}

variable "aws_endpoint" {
  description = "Send AWS API calls here instead of AWS, e.g. a local emulator. Leave null for real AWS."
  type        = string
  default     = null
}

provider "irsa" {
  region            = "us-east-1"
  s3_use_path_style = var.aws_endpoint != null
  endpoints {
    s3  = var.aws_endpoint
    iam = var.aws_endpoint
    sts = var.aws_endpoint
  }
}

# The bucket, the discovery document and the IAM OIDC provider.
resource "irsa_issuer" "this" {
  bucket = var.bucket
  prefix = "quickstart"
}

# A role that the service account default/demo may assume.
resource "irsa_role" "demo" {
  name              = "irsa-quickstart-demo"
  oidc_provider_arn = irsa_issuer.this.oidc_provider_arn
  service_accounts  = ["default:demo"]
}

# The key set, published where the discovery document's jwks_uri points.
resource "irsa_jwks" "this" {
  bucket                    = irsa_issuer.this.bucket
  key                       = irsa_issuer.this.jwks_key
  region                    = irsa_issuer.this.region
  issuer_signing_algorithms = irsa_issuer.this.signing_algorithms
  public_keys_pem           = [var.public_key_pem]
}

data "irsa_apiserver_flags" "this" {
  issuer_url       = irsa_issuer.this.issuer_url
  jwks_uri         = irsa_issuer.this.jwks_uri
  signing_key_file = "/etc/kubernetes/pki/sa.key"
  key_files        = ["/etc/kubernetes/pki/sa.pub"]
}

output "issuer_url" {
  value = irsa_issuer.this.issuer_url
}

output "role_annotations" {
  value = irsa_role.demo.service_account_annotations
}

output "kids" {
  value = irsa_jwks.this.kids
}

output "jwks_uri" {
  value = irsa_issuer.this.jwks_uri
}

output "jwks" {
  value = irsa_jwks.this.json
}

output "apiserver_flags" {
  value = data.irsa_apiserver_flags.this.flags
}

output "kubeadm_patch" {
  value = data.irsa_apiserver_flags.this.kubeadm_v1beta4
}
