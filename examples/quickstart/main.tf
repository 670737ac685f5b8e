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

variable "issuer_url" {
  description = "The public issuer URL the apiserver will sign tokens for."
  type        = string
  default     = "https://irsa-quickstart.s3.us-east-1.amazonaws.com"
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

data "irsa_jwks_document" "this" {
  public_keys_pem = [var.public_key_pem]
}

data "irsa_apiserver_flags" "this" {
  issuer_url       = var.issuer_url
  jwks_uri         = "${var.issuer_url}/keys.json"
  signing_key_file = "/etc/kubernetes/pki/sa.key"
  key_files        = ["/etc/kubernetes/pki/sa.pub"]
}

output "kids" {
  value = data.irsa_jwks_document.this.kids
}

output "jwks" {
  value = data.irsa_jwks_document.this.json
}

output "apiserver_flags" {
  value = data.irsa_apiserver_flags.this.flags
}

output "kubeadm_patch" {
  value = data.irsa_apiserver_flags.this.kubeadm_v1beta4
}
