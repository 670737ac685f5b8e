# On every plan (Terraform 1.5+): a broken chain is a warning that names the
# step and quotes what STS tells the pods, and the plan goes on.
check "irsa_trust_chain" {
  data "irsa_trust_check" "app" {
    issuer_url      = irsa_issuer.this.issuer_url
    role_arn        = irsa_role.app.arn
    service_account = "apps:billing"

    # Optional: compare the cluster's signing keys with what is published,
    # and prove a real token from the TokenRequest API.
    cluster {
      config_path   = "~/.kube/config"
      jwks_endpoint = true
    }
    mint_token = true

    depends_on = [irsa_jwks.this]
  }

  assert {
    condition     = data.irsa_trust_check.app.ok
    error_message = "IRSA is broken: ${jsonencode(data.irsa_trust_check.app.steps)}"
  }
}

# As a plain data source (also on Terraform before 1.5), a broken chain is
# an error that stops the plan.
data "irsa_trust_check" "issuer" {
  issuer_url = "https://my-bucket.s3.eu-west-1.amazonaws.com/cluster-a"
}

output "trust_steps" {
  value = data.irsa_trust_check.issuer.steps
}
