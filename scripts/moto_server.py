"""Run moto's AWS mock server on 127.0.0.1 for the tests and the demo.

    python scripts/moto_server.py --port 0

Port 0 picks a free port. Once the server accepts connections, exactly one
line `MOTO_PORT=<port>` is printed to stdout. It then serves until SIGTERM or
SIGINT (or, with --exit-on-stdin-eof, until stdin closes), then exits with
status 0.

Moto is patched here (never in the product) where it differs from AWS in a way
that matters to us; each patch is listed in tests/README.md,
"Where moto differs from AWS".
"""

import argparse
import json
import os
import signal
import sys
import threading


def patch_bucket_policy_conditions():
    """Leave statements with a `Condition` out of S3 bucket-policy checks.

    Moto checks a bucket policy on object requests in FakeBucket.get_permission,
    but it cannot evaluate request-context conditions such as
    aws:SecureTransport: a Deny statement whose Condition does not hold comes
    out as DENIED anyway. The usual "deny unless HTTPS" statement then blocks
    every later object request, which real S3 over HTTPS never does.

    The wrapper evaluates a copy of the policy without conditional statements.
    The stored policy (bucket.policy) is untouched, so GetBucketPolicy returns
    exactly what was PUT.
    """
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    original = FakeBucket.get_permission

    def get_permission(self, action, resource):
        if self.policy is None:
            return original(self, action, resource)
        policy = json.loads(self.policy)
        statements = policy.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        kept = [s for s in statements if "Condition" not in s]
        if len(kept) == len(statements):
            return original(self, action, resource)
        if not kept:
            return PermissionResult.NEUTRAL
        policy["Statement"] = kept
        return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission


def patch_federated_principal_check():
    """Refuse trust policies that name an OIDC provider IAM does not have.

    AWS answers CreateRole and UpdateAssumeRolePolicy with
    MalformedPolicyDocument, "Invalid principal in policy", when a Federated
    principal is an OIDC provider that does not exist, and also for a few
    seconds after it was created, until it has propagated. Moto accepts any
    principal, so the provider's retry for that error would never be
    exercised. Other principals are left alone.
    """
    from moto.iam.exceptions import MalformedPolicyDocument
    from moto.iam.models import IAMBackend

    def check(backend, document):
        try:
            policy = json.loads(document)
        except (TypeError, ValueError):
            return
        statements = policy.get("Statement", []) if isinstance(policy, dict) else []
        if isinstance(statements, dict):
            statements = [statements]
        for statement in statements:
            principal = statement.get("Principal") if isinstance(statement, dict) else None
            if not isinstance(principal, dict):
                continue
            federated = principal.get("Federated", [])
            if isinstance(federated, str):
                federated = [federated]
            for arn in federated:
                if ":oidc-provider/" in arn and arn not in backend.open_id_providers:
                    raise MalformedPolicyDocument(
                        f'Invalid principal in policy: "FEDERATED":"{arn}"'
                    )

    create_role = IAMBackend.create_role
    update_assume_role_policy = IAMBackend.update_assume_role_policy

    def checked_create_role(self, role_name, assume_role_policy_document, *args, **kwargs):
        check(self, assume_role_policy_document)
        return create_role(self, role_name, assume_role_policy_document, *args, **kwargs)

    def checked_update_assume_role_policy(self, role_name, policy_document):
        check(self, policy_document)
        return update_assume_role_policy(self, role_name, policy_document)

    IAMBackend.create_role = checked_create_role
    IAMBackend.update_assume_role_policy = checked_update_assume_role_policy


def patch_unsigned_well_known_paths():
    """Serve unsigned GETs of `<bucket>/.well-known/...` from S3.

    Moto routes every unsigned request whose path ends in
    `/.well-known/openid-configuration` or `/.well-known/jwks.json` to its
    Cognito emulation, taking the first path segment for a user pool ID. Real
    S3 serves those objects like any other, and an OIDC issuer published in a
    bucket is fetched exactly so, anonymously. A user pool ID always holds an
    underscore (`<region>_<id>`) and a bucket name never does, so a first
    segment without one is left to moto's default service, S3.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_service_from_unsigned_path

    def get_service_from_unsigned_path(path_info):
        first = path_info.strip("/").split("/")[0]
        if "_" not in first:
            return None, None
        return original(path_info)

    DomainDispatcherApplication.get_service_from_unsigned_path = staticmethod(
        get_service_from_unsigned_path
    )


def patch_cloudfront():
    """Make moto's CloudFront keep and check what AWS keeps and checks.

    - Origins keep their `OriginAccessControlId` (moto drops it, so a
      distribution reads back as if it had no Origin Access Control).
    - A CreateDistribution repeating a caller reference with the same
      configuration returns the distribution made for it, as AWS does; only
      a different configuration is `DistributionAlreadyExists` (moto refuses
      every repeat).
    - UpdateDistribution, DeleteDistribution and DeleteOriginAccessControl
      check `If-Match` against the current ETag (`PreconditionFailed`, or
      `InvalidIfMatchVersion` without one), and every update gives the
      distribution a new ETag (moto takes any value and never changes it).
    - A distribution is `InProgress` after its creation and after each
      update, and `Deployed` from the second GetDistribution on (moto
      reports `Deployed` at once).
    - DeleteDistribution refuses an enabled distribution
      (`DistributionNotDisabled`).
    - Origin Access Control names are unique (`OriginAccessControlAlreadyExists`);
      one that an origin uses is not deleted (`OriginAccessControlInUse`);
      deleting one that does not exist is `NoSuchOriginAccessControl` (moto
      fails with HTTP 500).
    """
    from moto.cloudfront import models, responses
    from moto.cloudfront.exceptions import (
        CloudFrontException,
        InvalidIfMatchVersion,
        NoSuchDistribution,
        NoSuchOriginAccessControl,
    )
    from moto.moto_api import state_manager

    def error(code, message):
        return type(code, (CloudFrontException,), {"code": code, "message": message})

    PreconditionFailed = error(
        "PreconditionFailed", "The If-Match version is missing or not valid for the resource."
    )
    DistributionNotDisabled = error(
        "DistributionNotDisabled",
        "The distribution you are trying to delete has not been disabled.",
    )
    OriginAccessControlAlreadyExists = error(
        "OriginAccessControlAlreadyExists",
        "An origin access control with the same name already exists.",
    )
    OriginAccessControlInUse = error(
        "OriginAccessControlInUse", "The origin access control is in use."
    )

    def check_if_match(if_match, etag):
        if not if_match:
            raise InvalidIfMatchVersion()
        if if_match != etag:
            raise PreconditionFailed()

    origin_init = models.Origin.__init__

    def init_origin(self, origin):
        origin_init(self, origin)
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""

    models.Origin.__init__ = init_origin

    backend = models.CloudFrontBackend
    create = backend.create_distribution_with_tags

    def create_distribution_with_tags(self, distribution_config, tags):
        request = json.dumps(distribution_config, sort_keys=True, default=str)
        reference = distribution_config.get("CallerReference")
        existing = self._distribution_with_caller_reference(reference)
        if existing is not None and getattr(existing, "irsa_request", None) == request:
            return existing, existing.location, existing.etag
        dist, location, etag = create(self, distribution_config, tags)
        dist.irsa_request = request
        return dist, location, etag

    backend.create_distribution_with_tags = create_distribution_with_tags

    update = backend.update_distribution

    def update_distribution(self, dist_config, _id, if_match):
        if _id not in self.distributions:
            raise NoSuchDistribution()
        check_if_match(if_match, self.distributions[_id].etag)
        dist, location, _ = update(self, dist_config, _id, if_match)
        dist.etag = models.random_id()
        dist.status = "InProgress"
        dist._tick = 0
        return dist, location, dist.etag

    backend.update_distribution = update_distribution

    delete = backend.delete_distribution

    def delete_distribution(self, distribution_id, if_match):
        if distribution_id not in self.distributions:
            raise NoSuchDistribution()
        dist = self.distributions[distribution_id]
        check_if_match(if_match, dist.etag)
        if str(dist.distribution_config.Enabled).lower() == "true":
            raise DistributionNotDisabled()
        return delete(self, distribution_id, if_match)

    backend.delete_distribution = delete_distribution

    create_oac = backend.create_origin_access_control

    def create_origin_access_control(self, config_dict):
        name = config_dict.get("Name")
        if any(c.name == name for c in self.origin_access_controls.values()):
            raise OriginAccessControlAlreadyExists()
        return create_oac(self, config_dict)

    backend.create_origin_access_control = create_origin_access_control

    def delete_origin_access_control(self):
        control_id = self._get_param("Id")
        control = self.backend.origin_access_controls.get(control_id)
        if control is None:
            raise NoSuchOriginAccessControl()
        check_if_match(self._get_param("IfMatch"), control.etag)
        for dist in self.backend.distributions.values():
            for origin in dist.distribution_config.Origins["Items"]:
                if getattr(origin, "origin_access_control_id", "") == control_id:
                    raise OriginAccessControlInUse()
        self.backend.origin_access_controls.pop(control_id)
        return responses.EmptyResult()

    responses.CloudFrontResponse.delete_origin_access_control = delete_origin_access_control

    state_manager.set_transition(
        model_name="cloudfront::distribution",
        transition={"progression": "manual", "times": 2},
    )


def patch_account_authorization_details_pages():
    """Page GetAccountAuthorizationDetails as AWS does.

    Moto answers with every entity in one page, ignores `MaxItems` and
    `Marker`, and always says `IsTruncated: false`. AWS pages the answer, and
    returns fewer than `MaxItems` when the entities are large (their policy
    documents come inline). The wrapper pages the roles, at most
    `min(MaxItems, 100)` to a page (100 is IAM's default page size), with the
    offset as the marker, so that a listing of a few hundred roles takes
    several pages. Users, groups and policies are left as moto gives them.
    """
    from moto.iam.responses import IamResponse
    from moto.core.responses import ActionResult

    original = IamResponse.get_account_authorization_details

    def get_account_authorization_details(self):
        answer = original(self)
        result = dict(answer.result) if hasattr(answer, "result") else None
        if result is None:
            return answer
        roles = list(result.get("RoleDetailList") or [])
        size = min(int(self._get_param("MaxItems") or 100), 100)
        start = int(self._get_param("Marker") or 0)
        result["RoleDetailList"] = roles[start:start + size]
        if start + size < len(roles):
            result["IsTruncated"] = True
            result["Marker"] = str(start + size)
        return ActionResult(result)

    IamResponse.get_account_authorization_details = get_account_authorization_details


def stop_on_stdin_eof():
    while sys.stdin.buffer.read(4096):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="also stop when stdin closes, i.e. when the parent that holds it dies",
    )
    args = parser.parse_args()

    patch_bucket_policy_conditions()
    patch_federated_principal_check()
    patch_unsigned_well_known_paths()
    patch_cloudfront()
    patch_account_authorization_details_pages()

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(
        "127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler
    )

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_on_stdin_eof:
        threading.Thread(target=stop_on_stdin_eof, daemon=True).start()

    # make_server has already bound and is listening: connections queue until
    # serve_forever picks them up, so announcing the port now is safe.
    print(f"MOTO_PORT={server.server_port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
