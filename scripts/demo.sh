#!/usr/bin/env bash
# make demo: the quickstart on a fresh machine. Builds the provider, starts a
# local AWS emulator (moto), generates a service-account key pair, and applies
# examples/quickstart with real terraform: an issuer (bucket, discovery
# document, IAM OIDC provider), a role for a service account, the JWKS and
# the apiserver flags. Nothing touches real AWS.
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
echo "==> building the provider"
(cd "$root" && cargo build --locked --quiet)

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

echo "==> generating a service-account key pair (as kubeadm's sa.key / sa.pub)"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/sa.key" 2>/dev/null
openssl pkey -in "$work/sa.key" -pubout -out "$work/sa.pub"

cp "$root"/examples/quickstart/*.tf "$work/"
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

echo "==> terraform apply"
(cd "$work" && terraform apply -auto-approve -input=false -no-color \
    -var "public_key_pem=$(cat "$work/sa.pub")" -var "aws_endpoint=$endpoint" >"$work/apply.log" 2>&1) || {
    cat "$work/apply.log" >&2
    exit 1
}

out() { (cd "$work" && terraform output -json "$1"); }
echo
echo "Issuer (S3 bucket, discovery document and IAM OIDC provider, on the emulator):"
echo "    $(out issuer_url | python3 -c 'import json,sys; print(json.load(sys.stdin))')"
echo "Annotations for the ServiceAccount default/demo:"
out role_annotations | python3 -c 'import json,sys; [print(f"    {k}: {v}") for k, v in json.load(sys.stdin).items()]'
echo
echo "Key id (kid) the apiserver will put in token headers:"
out kids | python3 -c 'import json,sys; [print("   ", k) for k in json.load(sys.stdin)]'
echo "    independently, with openssl: $(openssl pkey -pubin -in "$work/sa.pub" -outform DER |
    openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')"
echo
echo "JWKS published at $(out jwks_uri | python3 -c 'import json,sys; print(json.load(sys.stdin))'):"
out jwks | python3 -c 'import json,sys; print(json.load(sys.stdin))' | sed 's/^/    /'
echo "kube-apiserver flags:"
out apiserver_flags | python3 -c 'import json,sys; [print("   ", f) for f in json.load(sys.stdin)]'
echo
echo "kubeadm ClusterConfiguration patch (v1beta4):"
out kubeadm_patch | python3 -c 'import json,sys; print(json.load(sys.stdin))' | sed 's/^/    /'
