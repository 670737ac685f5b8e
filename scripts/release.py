#!/usr/bin/env python3
"""Packages terraform-provider-irsa as the Terraform registry publishes a
provider, and lays the packages out as a Terraform filesystem mirror.

    release.py package --version 0.1.0 --out dist [--gpg-key KEY] \\
        linux_amd64=target/release/terraform-provider-irsa ...
    release.py mirror --version 0.1.0 --dist dist --mirror dist/mirror \\
        --terraformrc dist/terraformrc

`package` writes, for each OS_ARCH=BINARY given:

    terraform-provider-irsa_<version>_<os>_<arch>.zip
        holding one file, terraform-provider-irsa_v<version>, mode 0755

and then

    terraform-provider-irsa_<version>_manifest.json   plugin protocol 6.0
    terraform-provider-irsa_<version>_SHA256SUMS      every zip and the manifest
    terraform-provider-irsa_<version>_SHA256SUMS.sig  with --gpg-key: a detached
                                                      binary signature

Each binary's ELF header must match its platform: a binary built for another
machine is refused, never packaged under the wrong name. The zips are
reproducible: every entry carries the time SOURCE_DATE_EPOCH names (the
Makefile passes the commit's time), so the same binary gives the same bytes.

`mirror` checks the zips of dist/ against its SHA256SUMS, copies them into
<mirror>/registry.terraform.io/irsa/irsa/ (Terraform's packed layout), and
writes a CLI configuration that installs irsa/irsa from there and every other
provider as usual. Other versions already in the mirror are left alone.

Only the standard library is used: the Makefile runs this with python3.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

NAME = "terraform-provider-irsa"
SOURCE = "registry.terraform.io/irsa/irsa"
PROTOCOL_VERSIONS = ["6.0"]

# The platforms a release can hold, with the ELF machine (e_machine) their
# binary must be built for. darwin and windows binaries are not ELF files and
# cannot be built here (see the Makefile), so they have no entry.
ELF_MACHINES = {
    "linux_amd64": (62, "x86-64"),
    "linux_arm64": (183, "AArch64"),
}
ELF_TYPES = {2: "executable", 3: "position-independent executable"}

VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$")


class ReleaseError(Exception):
    """A problem with the input; printed without a traceback."""


def zip_name(version: str, platform: str) -> str:
    return f"{NAME}_{version}_{platform}.zip"


def sums_name(version: str) -> str:
    return f"{NAME}_{version}_SHA256SUMS"


def manifest_name(version: str) -> str:
    return f"{NAME}_{version}_manifest.json"


def check_elf(binary: Path, platform: str) -> str:
    """Checks that `binary` is a 64-bit little-endian ELF executable for the
    machine `platform` names; returns a one-line description of it."""
    machine, machine_name = ELF_MACHINES[platform]
    with binary.open("rb") as f:
        header = f.read(20)
    if len(header) < 20 or header[:4] != b"\x7fELF":
        raise ReleaseError(f"{binary} is not an ELF file, so not a {platform} binary")
    if header[4] != 2 or header[5] != 1:
        raise ReleaseError(f"{binary} is not a 64-bit little-endian ELF file")
    e_type = int.from_bytes(header[16:18], "little")
    e_machine = int.from_bytes(header[18:20], "little")
    if e_type not in ELF_TYPES:
        raise ReleaseError(f"{binary} is an ELF file of type {e_type}, not an executable")
    if e_machine != machine:
        found = next((n for m, n in ELF_MACHINES.values() if m == e_machine), f"machine {e_machine}")
        raise ReleaseError(
            f"{binary} is built for {found}, not for {machine_name}: "
            f"it cannot be packaged as {platform}"
        )
    return f"ELF 64-bit LSB {ELF_TYPES[e_type]}, {machine_name}"


def zip_time() -> tuple[int, int, int, int, int, int]:
    """The time stamp of every zip entry: SOURCE_DATE_EPOCH (UTC), or now.
    Zip cannot store a time before 1980."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch else int(time.time())
    stamp = time.gmtime(max(seconds, 315532800))  # 1980-01-01T00:00:00Z
    return stamp[:6]


def write_zip(binary: Path, target: Path, entry: str) -> None:
    info = zipfile.ZipInfo(entry, date_time=zip_time())
    info.create_system = 3  # Unix, so that the mode below is honoured
    info.external_attr = (0o100755 & 0xFFFF) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf, binary.open("rb") as src:
        with zf.open(info, "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    tmp.replace(target)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_sums(path: Path) -> dict[str, str]:
    sums = {}
    for line in path.read_text().splitlines():
        digest, _, name = line.partition("  ")
        if not re.fullmatch(r"[0-9a-f]{64}", digest) or not name:
            raise ReleaseError(f"{path}: not a SHA256SUMS line: {line!r}")
        sums[name] = digest
    return sums


def run_gpg(args: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["gpg", *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise ReleaseError("gpg is not on PATH; it is needed to sign (GPG_KEY)") from None


def package(args: argparse.Namespace) -> None:
    version = args.version
    if not VERSION_RE.match(version):
        raise ReleaseError(f"version {version!r} is not MAJOR.MINOR.PATCH")
    platforms: dict[str, Path] = {}
    for spec in args.binaries:
        platform, sep, path = spec.partition("=")
        if not sep or not path:
            raise ReleaseError(f"expected OS_ARCH=BINARY, got {spec!r}")
        if platform not in ELF_MACHINES:
            raise ReleaseError(
                f"platform {platform!r} is not one this script can check; "
                f"known: {', '.join(ELF_MACHINES)}"
            )
        if platform in platforms:
            raise ReleaseError(f"platform {platform} given twice")
        binary = Path(path)
        if not binary.is_file():
            raise ReleaseError(f"{binary} does not exist")
        platforms[platform] = binary

    # Check every binary before writing anything.
    described = {p: check_elf(b, p) for p, b in platforms.items()}

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # Files of an earlier run of this version go first: a signature left from
    # a signed run would not match the new SHA256SUMS.
    for old in out.glob(f"{NAME}_{version}_*"):
        old.unlink()

    written = []
    entry = f"{NAME}_v{version}"
    for platform, binary in sorted(platforms.items()):
        target = out / zip_name(version, platform)
        write_zip(binary, target, entry)
        written.append(target)
        print(f"{target}  ({entry}: {described[platform]})")

    manifest = out / manifest_name(version)
    manifest.write_text(
        json.dumps({"version": 1, "metadata": {"protocol_versions": PROTOCOL_VERSIONS}}, indent=2)
        + "\n"
    )
    written.append(manifest)
    print(manifest)

    sums = out / sums_name(version)
    sums.write_text(
        "".join(f"{sha256_file(p)}  {p.name}\n" for p in sorted(written, key=lambda p: p.name))
    )
    print(sums)

    if args.gpg_key:
        sig = out / (sums.name + ".sig")
        signed = run_gpg(
            ["--yes", "--local-user", args.gpg_key, "--detach-sign", "--output", str(sig), str(sums)]
        )
        if signed.returncode != 0:
            raise ReleaseError(f"gpg could not sign with key {args.gpg_key}:\n{signed.stderr}")
        verified = run_gpg(["--verify", str(sig), str(sums)])
        if verified.returncode != 0:
            raise ReleaseError(f"the new signature does not verify:\n{verified.stderr}")
        print(f"{sig}  (key {args.gpg_key})")


def hcl_string(s: str) -> str:
    escaped = s.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{")
    return f'"{escaped}"'


def mirror(args: argparse.Namespace) -> None:
    version = args.version
    dist = Path(args.dist)
    sums_path = dist / sums_name(version)
    if not sums_path.is_file():
        raise ReleaseError(f"{sums_path} does not exist: package the release first")
    sums = read_sums(sums_path)
    zips = sorted(n for n in sums if n.endswith(".zip"))
    if not zips:
        raise ReleaseError(f"{sums_path} lists no zip")

    mirror_root = Path(args.mirror).resolve()
    provider_dir = mirror_root / SOURCE
    provider_dir.mkdir(parents=True, exist_ok=True)
    for name in zips:
        src = dist / name
        if not src.is_file():
            raise ReleaseError(f"{src} is listed in {sums_path.name} but missing")
        if sha256_file(src) != sums[name]:
            raise ReleaseError(f"{src} does not match its SHA-256 in {sums_path.name}")
        shutil.copyfile(src, provider_dir / name)
        print(provider_dir / name)

    rc = Path(args.terraformrc)
    rc.parent.mkdir(parents=True, exist_ok=True)
    rc.write_text(
        "# Terraform CLI configuration: irsa/irsa from the filesystem mirror below,\n"
        "# every other provider from its registry. Use it with\n"
        f"#   export TF_CLI_CONFIG_FILE={rc.resolve()}\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {hcl_string(str(mirror_root))}\n"
        f"    include = [{hcl_string(SOURCE)}]\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = [{hcl_string(SOURCE)}]\n"
        "  }\n"
        "}\n"
    )
    print(rc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("package", help="write the zips, manifest, SHA256SUMS (and signature)")
    p.add_argument("--version", required=True)
    p.add_argument("--out", required=True, help="output directory, e.g. dist")
    p.add_argument("--gpg-key", help="key to sign SHA256SUMS with (a gpg --local-user value)")
    p.add_argument("binaries", nargs="+", metavar="OS_ARCH=BINARY")
    p.set_defaults(run=package)

    m = sub.add_parser("mirror", help="copy the zips into a filesystem mirror, write a CLI config")
    m.add_argument("--version", required=True)
    m.add_argument("--dist", required=True, help="where `package` wrote the release")
    m.add_argument("--mirror", required=True, help="the mirror's root directory")
    m.add_argument("--terraformrc", required=True, help="the CLI configuration file to write")
    m.set_defaults(run=mirror)

    args = parser.parse_args()
    try:
        args.run(args)
    except ReleaseError as e:
        print(f"release.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
