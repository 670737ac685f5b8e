"""Memory: peak RSS of each provider process during a real `terraform plan`."""

import pathlib
import re
import sys

from common import IRSA_SOURCE, NULL_SOURCE, ROOT, TerraformDir, TerraformError, public_key_pem

WRAPPER = """#!{python}
# Runs the real provider and records its peak RSS (KiB) when it exits.
import resource, subprocess, sys
rc = subprocess.call([{binary!r}] + sys.argv[1:])
with open({out!r}, "a") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + "\\n")
sys.exit(rc)
"""

NULL_CONFIG = """
terraform {
  required_providers {
    null = { source = "hashicorp/null" }
  }
}

resource "null_resource" "one" {
  triggers = { cluster = "bench" }
}
"""


def wrapped(binary, name, workdir):
    """A directory holding `terraform-provider-NAME`, a wrapper around
    `binary` that appends the peak RSS of each run to the returned file."""
    plugin_dir = workdir / f"plugin-{name}"
    plugin_dir.mkdir()
    rss_file = workdir / f"rss-{name}.txt"
    wrapper = plugin_dir / f"terraform-provider-{name}"
    wrapper.write_text(WRAPPER.format(python=sys.executable, binary=str(binary), out=str(rss_file)))
    wrapper.chmod(0o755)
    return plugin_dir, rss_file


def irsa_plan_rss(binary, workdir, moto):
    """Peak RSS of each irsa process during a plan of the kubeadm workflow, or
    of the quickstart when this tree has no kubeadm workflow (or its plan
    fails here). Returns (config used, note, [KiB])."""
    candidates = [ROOT / "examples" / "workflows" / "kubeadm", ROOT / "examples" / "quickstart"]
    note = ""
    for config in candidates:
        if not config.is_dir():
            note = f"`{config.relative_to(ROOT)}` does not exist in this tree"
            continue
        plugin_dir, rss_file = wrapped(binary, "irsa", workdir)
        try:
            with TerraformDir({IRSA_SOURCE: plugin_dir}, moto.env(), config_dir=config) as tf:
                tf.write("sa.pub", public_key_pem())
                tf.run("plan", "-input=false", "-no-color", *known_vars(tf.path, moto))
            return config.relative_to(ROOT), note, [int(x) for x in rss_file.read_text().split()]
        except TerraformError as e:
            note = f"plan of `{config.relative_to(ROOT)}` failed here: {e.output.strip().splitlines()[-1:]}"
            print(f"bench: {e}", file=sys.stderr)
        finally:
            for p in plugin_dir.iterdir():
                p.unlink()
            plugin_dir.rmdir()
            rss_file.unlink(missing_ok=True)
    raise SystemExit("bench: no configuration to measure the provider's memory with")


def known_vars(path, moto):
    """`-var` flags for the variables of the examples that this bench can
    fill: names, the service-account key and the emulator's endpoint."""
    declared = set()
    for tf in pathlib.Path(path).glob("*.tf"):
        declared |= set(re.findall(r'variable\s+"([^"]+)"', tf.read_text()))
    endpoint = moto.endpoint
    values = {
        # examples/quickstart
        "public_key_pem": (pathlib.Path(path) / "sa.pub").read_text(),
        "aws_endpoint": endpoint,
        # examples/workflows/kubeadm
        "cluster_name": "bench",
        "bucket": "irsa-bench-kubeadm",
        "sa_public_key_file": str(pathlib.Path(path) / "sa.pub"),
        "aws_endpoints": f'{{s3="{endpoint}",iam="{endpoint}",sts="{endpoint}"}}',
        "s3_use_path_style": "true",
    }
    flags = []
    for name, value in values.items():
        if name in declared:
            flags += ["-var", f"{name}={value}"]
    return flags


def null_plan_rss(binary, workdir):
    """Peak RSS of each hashicorp/null process during a plan of one
    null_resource."""
    plugin_dir, rss_file = wrapped(binary, "null", workdir)
    with TerraformDir({NULL_SOURCE: plugin_dir}) as tf:
        tf.write("main.tf", NULL_CONFIG)
        tf.run("plan", "-input=false", "-no-color")
    return [int(x) for x in rss_file.read_text().split()]
