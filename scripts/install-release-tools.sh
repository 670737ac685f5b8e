#!/usr/bin/env bash
# Installs what `make release` needs beyond the test tools, on a Linux x86_64
# host. Idempotent: prints nothing when everything is already in place.
#   - the Rust standard library for aarch64-unknown-linux-gnu (rustup), to
#     cross-compile the linux_arm64 binary;
#   - Debian's gcc-aarch64-linux-gnu: the linker for that target, and the C
#     compiler aws-lc's C and assembly are built with (.cargo/config.toml
#     names both);
#   - gpg (Debian's gnupg), which signs SHA256SUMS when GPG_KEY is given.
# Debian packages are installed only when running as root; otherwise the
# script says which to install and fails. With --gpg-only (what the tests
# need), only gpg.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target=aarch64-unknown-linux-gnu

# Test processes may run this concurrently: one at a time.
mkdir -p "$root/tools"
exec 9>"$root/tools/.install-release-tools.lock"
flock 9

quiet() {
    local log
    log="$(mktemp)"
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "install-release-tools: failed: $*" >&2
        return 1
    fi
    rm -f "$log"
}

gpg_only=false
[[ "${1:-}" == "--gpg-only" ]] && gpg_only=true

if ! $gpg_only && [[ ! -d "$(rustc --print sysroot)/lib/rustlib/$target/lib" ]]; then
    if ! command -v rustup >/dev/null; then
        echo "install-release-tools: the Rust standard library for $target is missing," \
            "and there is no rustup to add it" >&2
        exit 1
    fi
    quiet rustup target add "$target"
    echo "installed the Rust standard library for $target"
fi

missing=()
$gpg_only || command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
command -v gpg >/dev/null || missing+=(gnupg)
if ((${#missing[@]})); then
    if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
        echo "install-release-tools: install the Debian packages ${missing[*]}" \
            "(sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    quiet apt-get update -q
    quiet apt-get install -y -q --no-install-recommends "${missing[@]}"
    echo "installed ${missing[*]}"
fi
