"""Benchmarks for terraform-provider-irsa, written to bench/results.md.

Measures a release build:
- start-up: time from process start to the go-plugin handshake line, n runs,
  median and p90;
- peak RSS of the provider process during a real `terraform plan`;
- the stripped binary size.

Run through `make bench`. It measures; it does not pass or fail.
"""

import argparse
import datetime
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def client_cert(workdir):
    """A self-signed P-521 certificate, like the one Terraform passes."""
    key, crt = workdir / "client.key", workdir / "client.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521",
         "-nodes", "-keyout", str(key), "-out", str(crt), "-days", "1", "-subj", "/CN=localhost"],
        check=True, capture_output=True)
    return crt.read_text()


def handshake_times(binary, cert, runs):
    env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="5,6",
               PLUGIN_CLIENT_CERT=cert)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - start
        proc.kill()
        proc.wait()
        if not line.startswith(b"1|6|unix|"):
            sys.exit(f"unexpected handshake line from {binary}: {line!r}")
        times.append(elapsed * 1000)
    return times


def percentile(values, p):
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


WRAPPER = """#!{python}
# Runs the real provider and records its peak RSS (KiB) when it exits.
import resource, subprocess, sys
rc = subprocess.call([{binary!r}] + sys.argv[1:])
with open({out!r}, "a") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + "\\n")
sys.exit(rc)
"""


def plan_peak_rss(binary, workdir):
    """Peak RSS of each provider process started by one `terraform plan` of
    examples/quickstart."""
    plugin_dir = workdir / "plugin"
    plugin_dir.mkdir()
    rss_file = workdir / "rss.txt"
    wrapper = plugin_dir / "terraform-provider-irsa"
    wrapper.write_text(WRAPPER.format(python=sys.executable, binary=str(binary), out=str(rss_file)))
    wrapper.chmod(0o755)
    cfg = workdir / "cli.tfrc"
    cfg.write_text('provider_installation {\n  dev_overrides {\n    "registry.terraform.io/irsa/irsa" = "%s"\n  }\n  direct {}\n}\n' % plugin_dir)
    tf = workdir / "tf"
    shutil.copytree(ROOT / "examples" / "quickstart", tf)
    pub = subprocess.run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | openssl pkey -pubout",
                         shell=True, check=True, capture_output=True, text=True).stdout
    env = dict(os.environ, TF_CLI_CONFIG_FILE=str(cfg), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
               AWS_EC2_METADATA_DISABLED="true")
    subprocess.run(["terraform", "plan", "-input=false", "-no-color", "-var", f"public_key_pem={pub}"],
                   cwd=tf, env=env, check=True, capture_output=True)
    return [int(x) for x in rss_file.read_text().split()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / "target" / "release" / "terraform-provider-irsa"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    args = parser.parse_args()
    binary = pathlib.Path(args.binary)

    with tempfile.TemporaryDirectory() as tmp:
        workdir = pathlib.Path(tmp)
        cert = client_cert(workdir)
        handshake_times(binary, cert, 3)  # warm the page cache
        times = handshake_times(binary, cert, args.runs)
        rss = plan_peak_rss(binary, workdir)

    size = binary.stat().st_size
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    nproc = os.cpu_count()
    lines = [
        "# Benchmarks",
        "",
        f"Measured {now} on a machine with nproc = {nproc}, release build (`make bench`).",
        "",
        "| What | Figure | How |",
        "|---|---|---|",
        f"| Start-up to handshake line | median {statistics.median(times):.1f} ms, p90 {percentile(times, 90):.1f} ms "
        f"(min {min(times):.1f}, max {max(times):.1f}; n = {len(times)}) | `scripts/bench.py`: spawn with the magic cookie and a P-521 client certificate, time to the first stdout line |",
        f"| Peak RSS during `terraform plan` (quickstart) | max {max(rss) / 1024:.1f} MiB over {len(rss)} provider processes "
        f"(each: {', '.join(f'{r / 1024:.1f}' for r in rss)} MiB) | wrapper records `ru_maxrss` of each provider process Terraform starts |",
        f"| Stripped binary size | {size / 1e6:.1f} MB ({size} bytes) | `stat` of `{binary.relative_to(ROOT) if binary.is_relative_to(ROOT) else binary}` |",
        "",
    ]
    pathlib.Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
