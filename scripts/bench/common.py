"""Shared pieces of the benchmarks: statistics, Terraform working directories
wired to local provider binaries, and test keys."""

import os
import pathlib
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
# Where cargo builds: CARGO_TARGET_DIR when set, as cargo itself reads it.
TARGET_DIR = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
IRSA_SOURCE = "registry.terraform.io/irsa/irsa"
NULL_SOURCE = "registry.terraform.io/hashicorp/null"


def percentile(values, p):
    """The nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def spread(values, unit="", digits=1):
    """`median X (min–max A–B, n = N)` for a list of measurements."""
    f = f"{{:.{digits}f}}"
    return (f"median {f.format(statistics.median(values))}{unit} "
            f"(min–max {f.format(min(values))}–{f.format(max(values))}{unit}, n = {len(values)})")


def public_key_pem():
    """A fresh RSA 2048 service-account public key."""
    return subprocess.run(
        "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | openssl pkey -pubout",
        shell=True, check=True, capture_output=True, text=True).stdout


def terraform_binary():
    path = shutil.which("terraform")
    if path is None:
        raise SystemExit("bench: `terraform` is not on PATH")
    return path


class TerraformDir:
    """A Terraform working directory whose providers come from local
    directories through `dev_overrides` (no registry, no `init`).

    `overrides` maps a provider source address to the directory that holds
    its `terraform-provider-NAME` executable. AWS settings come from `aws_env`
    (see emulator.Moto.env); the developer's own AWS and Terraform settings are
    never read.
    """

    def __init__(self, overrides, aws_env=None, config_dir=None):
        self._tmp = tempfile.TemporaryDirectory(prefix="irsa-bench-")
        self.root = pathlib.Path(self._tmp.name)
        self.path = self.root / "work"
        if config_dir is not None:
            shutil.copytree(config_dir, self.path)
        else:
            self.path.mkdir()
        lines = ["provider_installation {", "  dev_overrides {"]
        lines += [f'    "{source}" = "{directory}"' for source, directory in overrides.items()]
        lines += ["  }", "  direct {}", "}", ""]
        (self.root / "cli.tfrc").write_text("\n".join(lines))
        self.env = {k: v for k, v in os.environ.items()
                    if not (k.startswith("TF_") or k.startswith("AWS_"))}
        self.env.update(TF_CLI_CONFIG_FILE=str(self.root / "cli.tfrc"), TF_IN_AUTOMATION="1",
                        CHECKPOINT_DISABLE="1", AWS_CONFIG_FILE=str(self.root / "aws-config"),
                        AWS_SHARED_CREDENTIALS_FILE=str(self.root / "aws-credentials"),
                        AWS_EC2_METADATA_DISABLED="true")
        self.env.update(aws_env or {})

    def write(self, name, text):
        (self.path / name).write_text(text)

    def run(self, *args):
        """Runs `terraform ARGS`; returns (seconds, stdout). Raises with the
        whole output if it fails."""
        command = [terraform_binary(), *args]
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=self.path, env=self.env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise TerraformError(" ".join(args), proc.stdout + proc.stderr)
        return elapsed, proc.stdout

    def close(self):
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class TerraformError(Exception):
    def __init__(self, command, output):
        super().__init__(f"terraform {command} failed:\n{output}")
        self.command = command
        self.output = output
