#!/usr/bin/env bash
# make demo: the quickstart on a fresh machine. Builds the provider, starts a
# local AWS emulator (moto), generates a service-account key pair as an
# operator would for kubeadm, and applies examples/workflows/kubeadm with
# real terraform: the issuer (bucket, discovery document, IAM OIDC provider),
# the JWKS, a role for the service account default/demo, and the apiserver
# flags. Then it proves the trust chain with the provider's own trust check
# (`terraform-provider-irsa check`, the shell form of irsa_trust_check): the
# documents fetched over HTTPS as STS fetches them (from a local stand-in for
# the public side of S3, with its own CA), the IAM OIDC provider and the
# role's trust policy; and shows a break named at its step. Nothing touches
# real AWS.
#
# HOSTING=cloudfront make demo does the same with the issuer in a private
# bucket behind a CloudFront distribution; the stand-in then answers for the
# distribution's domain as CloudFront would.
set -euo pipefail
hosting="${HOSTING:-s3}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
work="$(mktemp -d)"
moto_pid=""
public_pid=""
cleanup() {
    [[ -n "$public_pid" ]] && kill "$public_pid" 2>/dev/null || true
    [[ -n "$moto_pid" ]] && kill "$moto_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

bash "$root/scripts/install-tools.sh"
echo "==> building the provider and the stand-in for public HTTPS"
(cd "$root" && cargo build --locked --quiet --bin terraform-provider-irsa --example public_endpoint)

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

# STS reads the issuer at https://<bucket>.s3.<region>.amazonaws.com/...; here
# a local proxy with its own CA serves those URLs from the emulator.
echo "==> starting the stand-in for the public side of S3"
mkfifo "$work/public.in"
"$target/debug/examples/public_endpoint" "$endpoint" "$work/public-ca.pem" \
    <"$work/public.in" >"$work/public.out" 2>"$work/public.err" &
public_pid=$!
exec 3>"$work/public.in"
for _ in $(seq 1 100); do
    grep -q '^PROXY=' "$work/public.out" 2>/dev/null && break
    sleep 0.1
done
proxy="$(sed -n 's/^PROXY=//p' "$work/public.out")"
[[ -n "$proxy" ]] || { cat "$work/public.err" >&2; echo "the public stand-in did not start" >&2; exit 1; }
echo "    HTTPS_PROXY=$proxy"

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
  "hosting": "$hosting",
  "aws_endpoints": {"s3": "$endpoint", "iam": "$endpoint", "sts": "$endpoint", "cloudfront": "$endpoint"},
  "s3_use_path_style": true,
  "trust_check_ca_certificate": $(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$work/public-ca.pem")
}
VARS
cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/irsa/irsa" = "$target/debug"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_ENDPOINT_URL AWS_PROFILE
export HTTPS_PROXY="$proxy" NO_PROXY=127.0.0.1,localhost

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
case "$hosting" in
  cloudfront) served="private S3 bucket behind a CloudFront distribution" ;;
  *) served="S3 bucket" ;;
esac
echo "Issuer URL ($served, discovery document, JWKS and IAM OIDC provider, on the emulator):"
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
echo "Trust chain, checked from outside as STS checks it (check.tf runs the same on every plan):"
check() {
    AWS_ENDPOINT_URL="$endpoint" "$target/debug/terraform-provider-irsa" check \
        --issuer-url "$issuer" --role-arn "$role_arn" --tls-ca-certificate "$work/public-ca.pem" "$@"
}
check --service-account default:demo | sed 's/^/    /'
echo
echo "The same role, for a service account it does not trust (refused, as STS would):"
set +e
check --service-account default:someone-else | sed 's/^/    /'
status="${PIPESTATUS[0]}"
set -e
[[ "$status" -eq 1 ]] || { echo "expected the check to fail at trust_policy (exit 1), got $status" >&2; exit 1; }
