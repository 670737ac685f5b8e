"""Start-up: time from process start to the go-plugin handshake line."""

import os
import subprocess
import time

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
    """Milliseconds from spawn to the first stdout line, `runs` times.

    The environment is what Terraform 1.x sets: the magic cookie, protocol
    versions 5 and 6, and the client certificate for AutoMTLS. Each line must
    be a go-plugin handshake (`1|5|...|grpc` or `1|6|...|grpc`). Returns the
    times and whether every line carried a server certificate (AutoMTLS).
    """
    env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="5,6",
               PLUGIN_CLIENT_CERT=cert)
    times, certified = [], set()
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([str(binary)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - start
        proc.kill()
        proc.wait()
        fields = line.decode("ascii", "replace").strip().split("|")
        if len(fields) < 5 or fields[0] != "1" or fields[1] not in ("5", "6") or fields[4] != "grpc":
            raise SystemExit(f"bench: unexpected handshake line from {binary}: {line!r}")
        times.append(elapsed * 1000)
        certified.add(len(fields) > 5 and fields[5] != "")
    return times, certified == {True}
