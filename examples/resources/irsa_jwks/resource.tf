resource "irsa_issuer" "cluster_a" {
  bucket = "irsa-example-cluster-a"
}

# kubeadm and most self-managed clusters: the operator made the key pair, so
# the public key is a file (`openssl pkey -in sa.key -pubout -out sa.pub`).
resource "irsa_jwks" "cluster_a" {
  bucket                    = irsa_issuer.cluster_a.bucket
  key                       = irsa_issuer.cluster_a.jwks_key
  region                    = irsa_issuer.cluster_a.region
  issuer_signing_algorithms = irsa_issuer.cluster_a.signing_algorithms
  public_keys_pem           = [file("${path.module}/sa.pub")]
}

# Cluster API / TKGm: the workload cluster's key pair lives in the secret
# `<cluster>-sa` of the management cluster. The issuer must exist before the
# cluster boots, so this resource waits for a second apply.
variable "cluster_created" {
  type    = bool
  default = false
}

resource "irsa_issuer" "workload_1" {
  bucket = "irsa-example-workload-1"
}

resource "irsa_jwks" "workload_1" {
  count  = var.cluster_created ? 1 : 0
  bucket = irsa_issuer.workload_1.bucket
  key    = irsa_issuer.workload_1.jwks_key
  region = irsa_issuer.workload_1.region

  cluster {
    config_path    = pathexpand("~/.kube/config")
    config_context = "mgmt-admin@mgmt"
    secret {
      namespace = "default"
      name      = "workload-1-sa"
    }
  }
}

# Any running cluster: the apiserver serves its own key set.
resource "irsa_jwks" "from_apiserver" {
  bucket = irsa_issuer.cluster_a.bucket
  key    = "apiserver/keys.json"

  cluster {
    host                   = "https://10.0.0.10:6443"
    token                  = var.discovery_token
    cluster_ca_certificate = file("${path.module}/ca.crt")
    jwks_endpoint          = true
  }
}

variable "discovery_token" {
  type      = string
  sensitive = true
  default   = ""
}
