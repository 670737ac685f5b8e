"""Scale: plan and apply time for N irsa_roles against the emulator, each
against the floor `total calls × median single-call latency ÷ parallelism`.
Plans are measured twice, with the shared role listing and with
`skip_role_listing = true` (per-role reads), on the same state."""

import json
import multiprocessing
import os
import pathlib
import sys
import tempfile
import time

from common import IRSA_SOURCE, NULL_SOURCE, TerraformDir

PARALLELISM = 10
# Plans change nothing, so each is run this many times and the median
# reported: on a 2-core machine one run varies by a few tenths of a second.
PLAN_RUNS = 3
OIDC_URL = "https://irsa-bench-scale.s3.us-east-1.amazonaws.com/cluster"

ROLES = """
variable "n" {
  type = number
}

resource "irsa_role" "r" {
  count             = var.n
  name              = "irsa-bench-%d-${count.index}"
  oidc_provider_arn = "%s"
  service_accounts  = ["apps:app-${count.index}"]
}
"""


NULLS = """
terraform {
  required_providers {
    null = { source = "hashicorp/null" }
  }
}

variable "n" {
  type = number
}

resource "null_resource" "r" {
  count    = var.n
  triggers = { index = count.index }
}
"""


def get_role_latency(moto, runs):
    """Milliseconds per GetRole of an existing role, through boto3, while the
    recorder is on (as it is during the timed runs)."""
    iam = moto.client("iam")
    iam.create_role(RoleName="irsa-bench-latency", AssumeRolePolicyDocument="{}")
    moto.start_recording()
    for _ in range(5):
        iam.get_role(RoleName="irsa-bench-latency")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        iam.get_role(RoleName="irsa-bench-latency")
        times.append((time.perf_counter() - start) * 1000)
    moto.stop_recording()
    iam.delete_role(RoleName="irsa-bench-latency")
    return times


def _get_role_worker(endpoint, count, barrier, results):
    import boto3
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    iam.get_role(RoleName="irsa-bench-concurrent")  # connect first
    barrier.wait()
    for _ in range(count):
        iam.get_role(RoleName="irsa-bench-concurrent")
    results.put(time.perf_counter())


def concurrent_get_role(moto, clients, calls):
    """Milliseconds of wall time per GetRole when `clients` client processes
    call at once, `calls` in all: what the emulator serves under Terraform's
    parallelism. It would be the single-call latency ÷ `clients` if the
    server were perfectly parallel. Processes, not threads, so that the
    clients do not share one interpreter lock."""
    iam = moto.client("iam")
    iam.create_role(RoleName="irsa-bench-concurrent", AssumeRolePolicyDocument="{}")
    per_client = calls // clients
    barrier = multiprocessing.Barrier(clients + 1)
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_get_role_worker, args=(moto.endpoint, per_client, barrier, results))
               for _ in range(clients)]
    for w in workers:
        w.start()
    moto.start_recording()
    barrier.wait()
    start = time.perf_counter()
    finished = [results.get(timeout=300) for _ in workers]
    for w in workers:
        w.join()
    moto.stop_recording()
    iam.delete_role(RoleName="irsa-bench-concurrent")
    return (max(finished) - start) * 1000 / (per_client * clients)


def object_bytes(tf):
    """Mean size in bytes of the resources' attributes in the state file
    (JSON, as Terraform keeps them)."""
    state = json.loads((tf.path / "terraform.tfstate").read_text())
    sizes = [len(json.dumps(i["attributes"], separators=(",", ":")))
             for r in state["resources"] for i in r["instances"]]
    return round(sum(sizes) / len(sizes)) if sizes else 0


def sized_nulls(size):
    """NULLS with a `triggers` value padded so that each object's attributes
    take about `size` bytes."""
    base = len('{"id":"1234567890123456789","triggers":{"index":"0","pad":""}}')
    pad = "x" * max(size - base, 0)
    return NULLS.replace("triggers = { index = count.index }",
                         f'triggers = {{ index = count.index, pad = "{pad}" }}')


def listing_latency(moto, runs=5):
    """Milliseconds per first page of ListRoles (1,000 asked) and of
    GetAccountAuthorizationDetails for roles (100 a page from the
    launcher), through boto3, median of `runs`, with the roles that exist
    now."""
    iam = moto.client("iam")
    out = {}
    for name, call in (("ListRoles", lambda: iam.list_roles(MaxItems=1000)),
                       ("GetAccountAuthorizationDetails",
                        lambda: iam.get_account_authorization_details(Filter=["Role"], MaxItems=1000))):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
        out[name] = sorted(times)[len(times) // 2]
    return out


SKIP_LISTING = "  skip_role_listing = true\n"


def provider_block(moto, listing):
    """The provider block, with the shared role listing or without."""
    block = moto.provider_block()
    if listing:
        return block
    return block.replace("  s3_use_path_style = true\n", "  s3_use_path_style = true\n" + SKIP_LISTING, 1)


CPU_WRAPPER = """#!/bin/sh
# Runs the real provider under time(1), appending its CPU seconds.
exec /usr/bin/time -f "%U %S" -a -o {out} {binary} "$@"
"""


class ProviderCpu:
    """A directory holding a `terraform-provider-irsa` that runs the real one
    under /usr/bin/time, so that each command's provider CPU time (user +
    system, over every provider process Terraform started) can be read."""

    def __init__(self, binary_dir, workdir):
        self.dir = workdir / "cpu-plugin"
        self.dir.mkdir()
        self.out = workdir / "cpu.txt"
        wrapper = self.dir / "terraform-provider-irsa"
        wrapper.write_text(CPU_WRAPPER.format(out=self.out, binary=pathlib.Path(binary_dir) / "terraform-provider-irsa"))
        wrapper.chmod(0o755)

    def take(self):
        """CPU seconds since the last take."""
        if not self.out.exists():
            return 0.0
        total = sum(float(x) for line in self.out.read_text().splitlines()
                    for x in line.split()[:2] if line[:1].isdigit())
        self.out.unlink()
        return total


def timed(moto, tf, *args, cpu=None):
    """Runs `terraform ARGS` with the recorder on; returns seconds and the
    recorded calls (and with `cpu`, the provider's CPU seconds)."""
    if cpu:
        cpu.take()
    moto.start_recording()
    seconds, _ = tf.run(*args, "-input=false", "-no-color", f"-parallelism={PARALLELISM}")
    calls = moto.stop_recording()
    if cpu:
        return seconds, calls, cpu.take()
    return seconds, calls


def plan_both_ways(moto, tf, body, var, cpu=None):
    """`terraform plan` of the same state with the listing, then with
    per-role reads. Returns {"listing": ..., "own": ...}, each with seconds,
    calls and the recorded requests (and with `cpu`, the provider's CPU)."""
    result = {}
    for key, listing in (("listing", True), ("own", False)):
        tf.write("main.tf", provider_block(moto, listing) + body)
        runs = [timed(moto, tf, "plan", var, cpu=cpu) for _ in range(PLAN_RUNS)]
        seconds, calls, *used = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
        result[key] = {"seconds": seconds, "calls": len(calls), "recorded": calls, "cpu": used[0] if used else None,
                       "all_seconds": [r[0] for r in runs]}
    tf.write("main.tf", provider_block(moto, True) + body)
    return result


def median_plan(tf, *args):
    """Median seconds of PLAN_RUNS `terraform plan`s."""
    runs = sorted(tf.run("plan", "-input=false", "-no-color", *args)[0] for _ in range(PLAN_RUNS))
    return runs[len(runs) // 2]


def small_plans(binary_dir, moto, arn, sizes, others):
    """Plans of a few roles in an account that holds `others` roles more:
    what the listing costs where it cannot pay for itself."""
    rows = []
    for k in sizes:
        with TerraformDir({IRSA_SOURCE: binary_dir}, moto.env()) as tf:
            body = ROLES.replace("irsa-bench-%d-", "irsa-bench-small-%d-") % (k, arn)
            tf.write("main.tf", provider_block(moto, True) + body)
            var = f"-var=n={k}"
            timed(moto, tf, "apply", "-auto-approve", var)
            row = {"n": k, "others": others, **plan_both_ways(moto, tf, body, var)}
            tf.run("destroy", "-auto-approve", "-input=false", "-no-color", var)
        print(f"bench: {k} roles among {others}: listing {row['listing']['calls']} calls, "
              f"own reads {row['own']['calls']} calls", file=sys.stderr)
        rows.append(row)
    return rows


def scale(binary_dir, moto, sizes, latency_ms, null_dir, small=(1, 3, 10)):
    """For each N: a fresh state, a timed apply creating N roles, a timed
    plan refreshing them with the listing and one with per-role reads, then
    a destroy. While the largest N exists, plans of `small` numbers of roles
    beside it. Then the same with N null_resources of hashicorp/null (from
    `null_dir`), which call nothing: Terraform's own cost for N resources.
    Returns one dict per N, and the small plans' rows."""
    arn = moto.client("iam").create_open_id_connect_provider(
        Url=OIDC_URL, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["9" * 40])["OpenIDConnectProviderArn"]
    par = f"-parallelism={PARALLELISM}"
    rows, small_rows = [], []
    scratch = tempfile.TemporaryDirectory(prefix="irsa-bench-cpu-")
    cpu = ProviderCpu(binary_dir, pathlib.Path(scratch.name)) if os.access("/usr/bin/time", os.X_OK) else None
    for n in sizes:
        with TerraformDir({IRSA_SOURCE: cpu.dir if cpu else binary_dir}, moto.env()) as tf:
            body = ROLES % (n, arn)
            tf.write("main.tf", provider_block(moto, True) + body)
            var = f"-var=n={n}"
            row = {"n": n}
            seconds, calls, *used = timed(moto, tf, "apply", "-auto-approve", var, cpu=cpu)
            row["apply"] = {"seconds": seconds, "calls": len(calls), "recorded": calls, "cpu": used[0] if used else None}
            row["object_bytes"] = object_bytes(tf)
            row.update(plan_both_ways(moto, tf, body, var, cpu=cpu))
            for key in ("apply", "listing", "own"):
                step = row[key]
                step["floor"] = step["calls"] * latency_ms / 1000 / PARALLELISM
                step["ratio"] = step["seconds"] / step["floor"] if step["floor"] else float("inf")
                print(f"bench: {n} roles {key}: {step['seconds']:.1f} s, {step['calls']} calls, "
                      f"floor {step['floor']:.2f} s", file=sys.stderr)
            if n == max(sizes):
                row["page_ms"] = listing_latency(moto)
                small_rows = small_plans(binary_dir, moto, arn, small, n)
            tf.run("destroy", "-auto-approve", "-input=false", "-no-color", par, var)
        with TerraformDir({NULL_SOURCE: null_dir}) as tf:
            tf.write("main.tf", NULLS)
            row["null_apply"], _ = tf.run("apply", "-auto-approve", "-input=false", "-no-color", par, var)
            row["null_plan"] = median_plan(tf, par, var)
        # The same, with each null_resource's state as large as an
        # irsa_role's: Terraform copies the whole state after each
        # resource it applies, so its own time grows with the objects' size.
        with TerraformDir({NULL_SOURCE: null_dir}) as tf:
            tf.write("main.tf", sized_nulls(row["object_bytes"]))
            row["sized_apply"], _ = tf.run("apply", "-auto-approve", "-input=false", "-no-color", par, var)
            row["sized_plan"] = median_plan(tf, par, var)
        print(f"bench: {n} null_resources: apply {row['null_apply']:.1f} s, plan {row['null_plan']:.1f} s; "
              f"of {row['object_bytes']} bytes: apply {row['sized_apply']:.1f} s, plan {row['sized_plan']:.1f} s",
              file=sys.stderr)
        rows.append(row)
    scratch.cleanup()
    return rows, small_rows
