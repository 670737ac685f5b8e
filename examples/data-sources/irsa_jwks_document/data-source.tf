# The JWKS for a kubeadm cluster's service-account key, to host yourself.
data "irsa_jwks_document" "cluster" {
  public_keys_pem = [file("${path.module}/pki/sa.pub")]
}

output "keys_json" {
  value = data.irsa_jwks_document.cluster.json
}

# During a key rotation, publish both keys.
data "irsa_jwks_document" "rotation" {
  public_keys_pem = [
    file("${path.module}/pki/sa.pub"),
    file("${path.module}/pki/sa-next.pub"),
  ]
}
