"""Validate Kubernetes objects against the Kubernetes OpenAPI schemas, offline.

    validate_k8s.py [--versions 1.28,1.31,1.37] [FILE]

Reads a JSON array from FILE (or stdin, also with FILE "-"). Each element is a
Kubernetes object, or a string holding one as JSON (as in the `manifests`
output of irsa_pod_identity_webhook). Every object is checked for every
Kubernetes minor version in --versions (default: 1.28, 1.31 and the newest one
kubernetes-validate ships) with kubernetes-validate in strict mode: a field the
schema does not know is an error. kubernetes-validate reports the first schema
error of an object, so fix and run again to see the next.

The schemas carry types and required fields but no allowed values, so a few
values the API server checks (e.g. a webhook's sideEffects) are checked here
too; see VALUE_RULES.

cert-manager kinds (cert-manager.io/v1) are CRDs, not in the Kubernetes
schemas: they get a structural check written here instead, once per object,
and their line says so. Any other kind without a schema is an error.

Prints one line per object and version ("ok" or "error"), then a JSON summary
as the last line. Exit status: 0 all passed, 1 any object failed, 2 bad input
(not a non-empty JSON array of objects) or an unsupported version.
"""

import argparse
import json
import sys

import kubernetes_validate
from kubernetes_validate import utils as kv


def _minor_key(version):
    return tuple(int(p) for p in version.split("."))


SHIPPED = sorted({kv.major_minor(v) for v in kv.all_versions()}, key=_minor_key)
DEFAULT_VERSIONS = sorted({"1.28", "1.31", SHIPPED[-1]}, key=_minor_key)


# --- values the API server checks that the OpenAPI schemas cannot express ----

WEBHOOK_VALUES = {
    "sideEffects": {"None", "NoneOnDryRun"},  # v1 refuses Unknown and Some
    "failurePolicy": {"Ignore", "Fail"},
    "matchPolicy": {"Exact", "Equivalent"},
    "reinvocationPolicy": {"Never", "IfNeeded"},
}
SELECTOR_OPERATORS = {"In", "NotIn", "Exists", "DoesNotExist"}
TOLERATION_VALUES = {
    "operator": {"Equal", "Exists"},
    "effect": {"", "NoSchedule", "PreferNoSchedule", "NoExecute"},
}
SECCOMP_TYPES = {"RuntimeDefault", "Unconfined", "Localhost"}


def _one_of(errors, where, value, allowed):
    if value is not None and value not in allowed:
        errors.append(f"{where}: {value!r} is not one of {sorted(allowed)}")


def _selector(errors, where, selector):
    for i, expr in enumerate((selector or {}).get("matchExpressions") or []):
        _one_of(errors, f"{where}.matchExpressions.{i}.operator", expr.get("operator"),
                SELECTOR_OPERATORS)


def _webhooks(obj, errors):
    for i, hook in enumerate(obj.get("webhooks") or []):
        where = f"webhooks.{i}"
        for field, allowed in WEBHOOK_VALUES.items():
            _one_of(errors, f"{where}.{field}", hook.get(field), allowed)
        versions = hook.get("admissionReviewVersions") or []
        if not set(versions) & {"v1", "v1beta1"}:
            errors.append(f"{where}.admissionReviewVersions: names neither v1 nor v1beta1")
        timeout = hook.get("timeoutSeconds")
        if timeout is not None and not 1 <= timeout <= 30:
            errors.append(f"{where}.timeoutSeconds: {timeout} is not within 1..30")
        for j, rule in enumerate(hook.get("rules") or []):
            for k, op in enumerate(rule.get("operations") or []):
                _one_of(errors, f"{where}.rules.{j}.operations.{k}", op,
                        {"*", "CREATE", "UPDATE", "DELETE", "CONNECT"})
        client = hook.get("clientConfig") or {}
        if ("url" in client) == ("service" in client):
            errors.append(f"{where}.clientConfig: needs exactly one of url and service")
        _selector(errors, f"{where}.objectSelector", hook.get("objectSelector"))
        _selector(errors, f"{where}.namespaceSelector", hook.get("namespaceSelector"))


def _pod_template(obj, errors):
    pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    where = "spec.template.spec"
    for i, tol in enumerate(pod.get("tolerations") or []):
        for field, allowed in TOLERATION_VALUES.items():
            _one_of(errors, f"{where}.tolerations.{i}.{field}", tol.get(field), allowed)
    contexts = [(f"{where}.securityContext", pod.get("securityContext"))]
    for i, c in enumerate(pod.get("containers") or []):
        contexts.append((f"{where}.containers.{i}.securityContext", c.get("securityContext")))
    for path, ctx in contexts:
        seccomp = (ctx or {}).get("seccompProfile") or {}
        _one_of(errors, f"{path}.seccompProfile.type", seccomp.get("type"), SECCOMP_TYPES)


def _tls_secret(obj, errors):
    if obj.get("type") == "kubernetes.io/tls":
        data = obj.get("data") or {}
        for key in ("tls.crt", "tls.key"):
            if key not in data:
                errors.append(f"data: a kubernetes.io/tls Secret needs {key}")


VALUE_RULES = {
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"): _webhooks,
    ("apps/v1", "Deployment"): _pod_template,
    ("v1", "Secret"): _tls_secret,
}


# --- cert-manager: a structural check ------------------------------------------

ISSUER_TYPES = {"acme", "ca", "vault", "selfSigned", "venafi"}


def _name(errors, where, value):
    if not isinstance(value, str) or not value:
        errors.append(f"{where}: must be a non-empty string")


def check_cert_manager(obj):
    """Errors of a cert-manager.io/v1 object (an empty list when it passes)."""
    errors = []
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return ["metadata: must be an object"]
    _name(errors, "metadata.name", meta.get("name"))
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return errors + ["spec: must be an object"]
    kind = obj["kind"]
    if kind in ("Issuer", "ClusterIssuer"):
        unknown = sorted(set(spec) - ISSUER_TYPES)
        if unknown:
            errors.append(f"spec: unknown fields {unknown}")
        chosen = sorted(set(spec) & ISSUER_TYPES)
        if len(chosen) != 1:
            errors.append(f"spec: needs exactly one of {sorted(ISSUER_TYPES)}, has {chosen}")
        for t in chosen:
            if not isinstance(spec[t], dict):
                errors.append(f"spec.{t}: must be an object")
        if isinstance(spec.get("ca"), dict):
            _name(errors, "spec.ca.secretName", spec["ca"].get("secretName"))
    elif kind == "Certificate":
        _name(errors, "spec.secretName", spec.get("secretName"))
        ref = spec.get("issuerRef")
        if not isinstance(ref, dict):
            errors.append("spec.issuerRef: must be an object")
        else:
            _name(errors, "spec.issuerRef.name", ref.get("name"))
            if ref.get("group", "cert-manager.io") == "cert-manager.io":
                _one_of(errors, "spec.issuerRef.kind", ref.get("kind"), {"Issuer", "ClusterIssuer"})
        # cert-manager wants at least one subject: a common name or a SAN.
        subjects = ("commonName", "literalSubject", "dnsNames", "uris", "ipAddresses", "emailAddresses")
        if not any(spec.get(k) for k in subjects):
            errors.append("spec: needs commonName or at least one of dnsNames, uris, ipAddresses, emailAddresses")
        names = spec.get("dnsNames", [])
        if not isinstance(names, list):
            errors.append("spec.dnsNames: must be a list")
        else:
            for i, n in enumerate(names):
                _name(errors, f"spec.dnsNames.{i}", n)
        if "commonName" in spec and not isinstance(spec["commonName"], str):
            errors.append("spec.commonName: must be a string")
    else:
        errors.append(f"no check for cert-manager kind {kind}")
    return errors


# --- Kubernetes kinds: the schema, then the value rules ------------------------

def check_kubernetes(obj, version):
    """The first schema error, else the value-rule errors, for one version."""
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as e:
        path = ".".join(str(p) for p in e.path) or "(object)"
        return [f"{path}: {e.message}"]
    except kubernetes_validate.SchemaNotFoundError as e:
        return [e.message]
    errors = []
    rule = VALUE_RULES.get((obj["apiVersion"], obj["kind"]))
    if rule:
        rule(obj, errors)
    return errors


def describe(obj):
    meta = obj.get("metadata") or {}
    name = meta.get("name", "?")
    if meta.get("namespace"):
        name = f"{meta['namespace']}/{name}"
    return f"{obj['apiVersion']} {obj['kind']} {name}"


def bad_input(message):
    print(f"validate_k8s: {message}", file=sys.stderr)
    sys.exit(2)


def load(source):
    """The objects of the JSON array in `source`; exits 2 on bad input."""
    try:
        items = json.load(source)
    except json.JSONDecodeError as e:
        bad_input(f"input is not JSON: {e}")
    if not isinstance(items, list) or not items:
        bad_input("input must be a non-empty JSON array")
    objects = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            try:
                item = json.loads(item)
            except json.JSONDecodeError as e:
                bad_input(f"element {i} is a string but not JSON: {e}")
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("apiVersion", "kind")
        ):
            bad_input(f"element {i} is not an object with apiVersion and kind")
        objects.append(item)
    return objects


def parse_versions(text):
    versions = [v.strip().removeprefix("v") for v in text.split(",") if v.strip()]
    # kubernetes-validate itself would fall back to an older schema set.
    missing = [v for v in versions if v not in SHIPPED]
    if missing or not versions:
        raise argparse.ArgumentTypeError(
            f"not shipped by kubernetes-validate {kubernetes_validate.__version__}: "
            f"{missing or text!r}; shipped: {', '.join(SHIPPED)}")
    return versions


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", default="-", help="JSON array (default: stdin)")
    parser.add_argument("--versions", type=parse_versions, default=DEFAULT_VERSIONS,
                        help=f"comma-separated Kubernetes minors (default: {','.join(DEFAULT_VERSIONS)})")
    args = parser.parse_args()
    if args.file == "-":
        objects = load(sys.stdin)
    else:
        try:
            with open(args.file) as f:
                objects = load(f)
        except OSError as e:
            bad_input(f"cannot read {args.file}: {e.strerror}")

    results = []  # (object, version or "cert-manager", errors)
    for obj in objects:
        if obj["apiVersion"] == "cert-manager.io/v1":
            results.append((obj, "cert-manager", check_cert_manager(obj)))
        else:
            for version in args.versions:
                results.append((obj, version, check_kubernetes(obj, version)))

    failures = []
    for obj, version, errors in results:
        what = describe(obj)
        if version == "cert-manager":
            what += " (CRD, not in the Kubernetes schemas: structural check only)"
        print(f"{'error' if errors else 'ok':5} {version:12} {what}"
              + (": " + "; ".join(errors) if errors else ""))
        if errors:
            failures.append({"object": describe(obj), "version": version, "errors": errors})

    print(json.dumps({
        "ok": not failures,
        "kubernetes_validate": kubernetes_validate.__version__,
        "versions": args.versions,
        "objects": len(objects),
        "checks": len(results),
        "failed": len(failures),
        "structural_only": [describe(o) for o, v, _ in results if v == "cert-manager"],
        "failures": failures,
    }))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
