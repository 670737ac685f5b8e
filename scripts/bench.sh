#!/usr/bin/env bash
# make bench: release build, then scripts/bench/ writes bench/results.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-tools.sh" --bench
(cd "$root" && cargo build --release --locked)
"$root/.venv/bin/python" "$root/scripts/bench" "$@"
