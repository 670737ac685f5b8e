"""A private moto server (scripts/moto_server.py) on 127.0.0.1, with its
request recorder, for counting the AWS calls the provider makes."""

import base64
import collections
import http.client
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.parse

from common import ROOT


class Moto:
    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="irsa-bench-moto-")
        self.recording = pathlib.Path(self._tmp.name) / "recording.jsonl"
        log = open(pathlib.Path(self._tmp.name) / "moto.log", "w")
        env = dict(os.environ, MOTO_RECORDER_FILEPATH=str(self.recording))
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "moto_server.py"), "--port", "0", "--exit-on-stdin-eof"],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
        log.close()
        deadline = time.monotonic() + 60
        self.port = None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("MOTO_PORT="):
                self.port = int(line.split("=", 1)[1])
                break
        if self.port is None:
            self.close()
            raise SystemExit("bench: moto did not start")
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def env(self):
        """Environment that sends AWS SDKs (and the provider) here."""
        return {
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint, "AWS_EC2_METADATA_DISABLED": "true",
        }

    def provider_block(self):
        return f"""
terraform {{
  required_providers {{
    irsa = {{ source = "irsa/irsa" }}
  }}
}}

provider "irsa" {{
  region            = "us-east-1"
  s3_use_path_style = true
  endpoints {{
    s3  = "{self.endpoint}"
    iam = "{self.endpoint}"
    sts = "{self.endpoint}"
  }}
}}
"""

    def client(self, service):
        import boto3
        return boto3.client(service, region_name="us-east-1", endpoint_url=self.endpoint,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def _recorder(self, action):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("POST", f"/moto-api/recorder/{action}", body=b"")
        reply = conn.getresponse()
        reply.read()
        conn.close()
        if reply.status != 200:
            raise SystemExit(f"bench: moto recorder {action}: HTTP {reply.status}")

    def start_recording(self):
        self._recorder("reset-recording")
        self._recorder("start-recording")

    def stop_recording(self):
        """Stops recording; returns the recorded calls as (service, action)."""
        self._recorder("stop-recording")
        if not self.recording.exists():
            return []
        calls = []
        for line in self.recording.read_text().splitlines():
            if line.strip():
                calls.append(describe(json.loads(line)))
        return calls

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def describe(entry):
    """(service, action) of one recorded request: the query `Action` for IAM
    and STS, the `x-id` operation name where the SDK sends one, CloudFront's
    reads by their resource path, else the S3 method and target, e.g.
    `GET object` or `GET bucket?policy`."""
    auth = (entry.get("headers") or {}).get("Authorization", "")
    service = "unknown"
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) > 3:
            service = scope[3]
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    url = entry.get("url", "")
    parsed = urllib.parse.urlsplit(url)
    params = urllib.parse.parse_qs(body) if isinstance(body, str) else {}
    params.update(urllib.parse.parse_qs(parsed.query))
    if "Action" in params:
        return service, params["Action"][0]
    if "x-id" in params:  # the Rust SDK names the operation, e.g. x-id=GetObject
        return service, params["x-id"][0]
    path = parsed.path.strip("/")
    if service == "cloudfront":  # a REST API: the resource in the path names the call
        parts = path.split("/")
        names = {"distribution": "GetDistribution", "origin-access-control": "GetOriginAccessControl"}
        if entry.get("method") == "GET" and len(parts) == 3 and parts[1] in names:
            return service, names[parts[1]]
        return service, f"{entry.get('method', '?')} {'/'.join(parts[1:2])}"
    target = "object" if "/" in path else "bucket"
    sub = parsed.query.split("&")[0].split("=")[0] if parsed.query else ""
    return service, f"{entry.get('method', '?')} {target}" + (f"?{sub}" if sub else "")


def summarize(calls):
    """`3: GetRole, ListRolePolicies, ListAttachedRolePolicies` style text."""
    counts = collections.Counter(action for _, action in calls)
    parts = [f"{action} ×{n}" if n > 1 else action for action, n in counts.items()]
    return ", ".join(parts) if parts else "none"
