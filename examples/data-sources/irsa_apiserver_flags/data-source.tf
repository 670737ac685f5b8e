data "irsa_apiserver_flags" "this" {
  issuer_url       = "https://my-irsa-bucket.s3.eu-west-1.amazonaws.com/prod"
  jwks_uri         = "https://my-irsa-bucket.s3.eu-west-1.amazonaws.com/prod/keys.json"
  signing_key_file = "/etc/kubernetes/pki/sa.key"
  key_files        = ["/etc/kubernetes/pki/sa.pub"]
}

# kubeadm 1.31+: merge into your ClusterConfiguration.
output "kubeadm" {
  value = data.irsa_apiserver_flags.this.kubeadm_v1beta4
}

# k3s / RKE2: drop into /etc/rancher/k3s/config.yaml.d/irsa.yaml.
output "k3s" {
  value = data.irsa_apiserver_flags.this.k3s_config
}
