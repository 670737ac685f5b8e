# The role a workload assumes; the webhook must project its tokens with the
# audience the role's trust policy checks.
resource "irsa_role" "app" {
  name              = "cluster-a-app"
  oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/irsa-example.s3.eu-west-1.amazonaws.com/cluster-a"
  service_accounts  = ["apps:web"]
}

provider "kubernetes" {
  config_path    = "~/.kube/config"
  config_context = "cluster-a"
}

# The certificate from cert-manager (the default), which must already run in
# the cluster: kubernetes_manifest looks up the Issuer and Certificate kinds
# at plan time.
data "irsa_pod_identity_webhook" "this" {
  audience   = irsa_role.app.audience
  aws_region = "eu-west-1"
}

resource "kubernetes_manifest" "pod_identity_webhook" {
  for_each = {
    for m in [for s in data.irsa_pod_identity_webhook.this.manifests : jsondecode(s)] :
    "${m.kind}/${try(m.metadata.namespace, "")}/${m.metadata.name}" => m
  }
  manifest = each.value
}

# Another cluster, without cert-manager: a certificate of your own, here from
# hashicorp/tls. `manifests` can feed for_each only once the certificate
# exists, so create it in a first apply:
#   terraform apply -target=tls_locally_signed_cert.webhook
provider "kubernetes" {
  alias          = "edge"
  config_path    = "~/.kube/config"
  config_context = "edge-1"
}

resource "tls_private_key" "webhook_ca" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_self_signed_cert" "webhook_ca" {
  private_key_pem       = tls_private_key.webhook_ca.private_key_pem
  is_ca_certificate     = true
  validity_period_hours = 87600
  allowed_uses          = ["cert_signing"]
  subject {
    common_name = "pod-identity-webhook CA"
  }
}

resource "tls_private_key" "webhook" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_cert_request" "webhook" {
  private_key_pem = tls_private_key.webhook.private_key_pem
  dns_names = [
    "pod-identity-webhook.kube-system.svc",
    "pod-identity-webhook.kube-system.svc.cluster.local",
  ]
  subject {
    common_name = "pod-identity-webhook.kube-system.svc"
  }
}

resource "tls_locally_signed_cert" "webhook" {
  cert_request_pem      = tls_cert_request.webhook.cert_request_pem
  ca_private_key_pem    = tls_private_key.webhook_ca.private_key_pem
  ca_cert_pem           = tls_self_signed_cert.webhook_ca.cert_pem
  validity_period_hours = 8760
  allowed_uses          = ["digital_signature", "key_encipherment", "server_auth"]
}

data "irsa_pod_identity_webhook" "edge" {
  audience = irsa_role.app.audience
  tls {
    provided {
      certificate_pem    = tls_locally_signed_cert.webhook.cert_pem
      private_key_pem    = tls_private_key.webhook.private_key_pem
      ca_certificate_pem = tls_self_signed_cert.webhook_ca.cert_pem
    }
  }
}

# The Secret with the key is only in the sensitive tls_secret_manifest, and
# goes first; then the other objects, which hold no key.
resource "kubernetes_manifest" "edge_webhook_tls" {
  provider = kubernetes.edge
  manifest = jsondecode(data.irsa_pod_identity_webhook.edge.tls_secret_manifest)
}

resource "kubernetes_manifest" "edge_webhook" {
  provider = kubernetes.edge
  for_each = {
    for m in [for s in data.irsa_pod_identity_webhook.edge.manifests : jsondecode(s)] :
    "${m.kind}/${try(m.metadata.namespace, "")}/${m.metadata.name}" => m
  }
  manifest   = each.value
  depends_on = [kubernetes_manifest.edge_webhook_tls]
}
