"""Scale: plan and apply time for N irsa_roles against the emulator, each
against the floor `total calls × median single-call latency ÷ parallelism`."""

import multiprocessing
import sys
import time

from common import IRSA_SOURCE, NULL_SOURCE, TerraformDir

PARALLELISM = 10
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


def scale(binary_dir, moto, sizes, latency_ms, null_dir):
    """For each N: a fresh state, a timed apply creating N roles, a timed
    plan refreshing them, then a destroy. Then the same with N
    null_resources of hashicorp/null (from `null_dir`), which call nothing:
    Terraform's own cost for N resources. Returns one dict per N."""
    arn = moto.client("iam").create_open_id_connect_provider(
        Url=OIDC_URL, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["9" * 40])["OpenIDConnectProviderArn"]
    par = f"-parallelism={PARALLELISM}"
    rows = []
    for n in sizes:
        with TerraformDir({IRSA_SOURCE: binary_dir}, moto.env()) as tf:
            tf.write("main.tf", moto.provider_block() + ROLES % (n, arn))
            var = f"-var=n={n}"
            row = {"n": n}
            for step, args in (("apply", ["apply", "-auto-approve"]), ("plan", ["plan"])):
                moto.start_recording()
                seconds, _ = tf.run(*args, "-input=false", "-no-color", par, var)
                calls = len(moto.stop_recording())
                floor = calls * latency_ms / 1000 / PARALLELISM
                row[step] = {"seconds": seconds, "calls": calls, "floor": floor,
                             "ratio": seconds / floor if floor else float("inf")}
                print(f"bench: {n} roles {step}: {seconds:.1f} s, {calls} calls, floor {floor:.2f} s",
                      file=sys.stderr)
            tf.run("destroy", "-auto-approve", "-input=false", "-no-color", par, var)
        with TerraformDir({NULL_SOURCE: null_dir}) as tf:
            tf.write("main.tf", NULLS)
            row["null_apply"], _ = tf.run("apply", "-auto-approve", "-input=false", "-no-color", par, var)
            row["null_plan"], _ = tf.run("plan", "-input=false", "-no-color", par, var)
        print(f"bench: {n} null_resources: apply {row['null_apply']:.1f} s, plan {row['null_plan']:.1f} s",
              file=sys.stderr)
        rows.append(row)
    return rows

