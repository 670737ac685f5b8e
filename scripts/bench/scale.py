"""Scale: plan and apply time for N irsa_roles against the emulator, each
against the floor `total calls × median single-call latency ÷ parallelism`."""

import sys
import time

from common import IRSA_SOURCE, TerraformDir

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


def scale(binary_dir, moto, sizes, latency_ms):
    """For each N: a fresh state, a timed apply creating N roles, a timed
    plan refreshing them, then a destroy. Returns one dict per N."""
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
        rows.append(row)
    return rows

