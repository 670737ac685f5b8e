terraform {
  required_providers {
    irsa = {
      source = "irsa/irsa"
    }
  }
}

# Credentials come from the standard AWS chain (environment, shared config,
# SSO, web identity), as with the hashicorp/aws provider.
provider "irsa" {
  region = "eu-west-1"
}

# Against an AWS-compatible server, such as a local emulator:
provider "irsa" {
  alias             = "local"
  region            = "us-east-1"
  s3_use_path_style = true
  endpoints {
    s3  = "http://127.0.0.1:5000"
    iam = "http://127.0.0.1:5000"
    sts = "http://127.0.0.1:5000"
  }
}

# In another account, through a role, as hashicorp/aws does it:
provider "irsa" {
  alias               = "workloads"
  region              = "eu-west-1"
  allowed_account_ids = ["210987654321"]

  assume_role {
    role_arn     = "arn:aws:iam::210987654321:role/terraform"
    session_name = "terraform"
  }
}
