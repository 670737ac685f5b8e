#!/usr/bin/env bash
# make demo: the quickstart on a fresh machine. Builds the provider, starts a
# local AWS emulator (moto), generates a service-account key pair as an
# operator would for kubeadm, and applies examples/workflows/kubeadm with
# real terraform: the issuer (bucket, discovery document, IAM OIDC provider),
# the JWKS, a role for the service account default/demo, and the apiserver
# flags. Then it proves the trust chain: a token signed with the private key
# is checked as STS would check it, from what was published, and four broken
# tokens are refused. Nothing touches real AWS.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
moto_pid=""
cleanup() {
    [[ -n "$moto_pid" ]] && kill "$moto_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

bash "$root/scripts/install-tools.sh"
echo "==> building the provider and the trust-chain check"
(cd "$root" && cargo build --locked --quiet --bin terraform-provider-irsa --example trust_chain_check)

echo "==> starting the local AWS emulator"
"$root/.venv/bin/python" "$root/scripts/moto_server.py" --port 0 >"$work/moto.out" 2>"$work/moto.err" &
moto_pid=$!
for _ in $(seq 1 100); do
    grep -q '^MOTO_PORT=' "$work/moto.out" 2>/dev/null && break
    sleep 0.1
done
port="$(sed -n 's/^MOTO_PORT=//p' "$work/moto.out")"
[[ -n "$port" ]] || { cat "$work/moto.err" >&2; echo "moto did not start" >&2; exit 1; }
endpoint="http://127.0.0.1:$port"
echo "    $endpoint"

echo "==> generating a service-account key pair (kubeadm's sa.key / sa.pub)"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/sa.key" 2>/dev/null
openssl pkey -in "$work/sa.key" -pubout -out "$work/sa.pub"

# The workflow, unchanged; only its variables point it at the emulator.
cp "$root"/examples/workflows/kubeadm/*.tf "$work/"
cat >"$work/terraform.tfvars.json" <<VARS
{
  "cluster_name": "demo",
  "bucket": "irsa-demo",
  "sa_public_key_file": "$work/sa.pub",
  "roles": {"app": {"service_accounts": ["default:demo"], "policy_arns": []}},
  "aws_endpoints": {"s3": "$endpoint", "iam": "$endpoint", "sts": "$endpoint"},
  "s3_use_path_style": true
}
VARS
cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/irsa/irsa" = "$root/target/debug"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_ENDPOINT_URL AWS_PROFILE

echo "==> terraform apply (examples/workflows/kubeadm)"
(cd "$work" && terraform apply -auto-approve -input=false -no-color >"$work/apply.log" 2>&1) || {
    cat "$work/apply.log" >&2
    exit 1
}

out() { (cd "$work" && terraform output -json "$1"); }
json() { python3 -c "import json,sys; v=json.load(sys.stdin); $1"; }
issuer="$(out apiserver_flags | json 'print(next(f.split("=",1)[1] for f in v if f.startswith("--service-account-issuer=")))')"
role_arn="$(out role_arns | json 'print(v["app"])')"

echo
echo "Issuer URL (S3 bucket, discovery document, JWKS and IAM OIDC provider, on the emulator):"
echo "    $(out issuer_url | json 'print(v)')"
echo
echo "kube-apiserver flags:"
out apiserver_flags | json '[print("   ", f) for f in v]'
echo "Put sa.pub at $(out service_account_key_file | json 'print(v)')" \
    "and sa.key at $(out service_account_signing_key_file | json 'print(v)') on every control-plane node."
echo
echo "kubeadm ClusterConfiguration patch (v1beta4):"
out kubeadm_patch | json 'print(v.rstrip())' | sed 's/^/    /'
echo
echo "Role for the service account default/demo:"
echo "    $role_arn"
echo "Annotation for that ServiceAccount:"
out role_annotations | json '[print(f"    {k}: {a}") for k, a in v["app"].items()]'
echo
echo "Key id (kid) in keys.json: $(out kids | json 'print(*v)')"
echo "    independently, with openssl: $(openssl pkey -pubin -in "$work/sa.pub" -outform DER |
    openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')"
echo
echo "Trust chain, checked as STS checks it (moto's own STS accepts any token):"
"$root/target/debug/examples/trust_chain_check" "$endpoint" "$work/sa.key" "$issuer" "$role_arn" default:demo
