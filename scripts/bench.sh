#!/usr/bin/env bash
# make bench: release build and the Criterion bench build, then scripts/bench/
# measures and writes bench/results.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start="$(date +%s)"
bash "$root/scripts/install-tools.sh" --bench
(cd "$root" && cargo build --release --locked)
(cd "$root" && cargo bench --locked --profile bench-domain --bench domain --no-run)
"$root/.venv/bin/python" -B "$root/scripts/bench" --setup-seconds "$(($(date +%s) - start))" "$@"
