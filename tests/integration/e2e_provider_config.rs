//! The provider block configured the way hashicorp/aws is, through real
//! Terraform (1.11 and 1.0.3) against moto: `assume_role`, a profile chain
//! from `shared_config_files`, `assume_role_with_web_identity` with a token
//! file, static keys in the block, the account lists, the retry settings,
//! and the refusals at validate.
//!
//! What credentials signed each call is read from moto's request log
//! ([`Moto::start_recording`]): the access key id of each call's SigV4
//! `Authorization` header. Moto hands out `ASIA...` key ids for the
//! sessions of assumed roles, and tells which session a key id belongs to
//! through `GetCallerIdentity`.

use crate::support::public_https::PublicEndpoint;
use crate::support::{per_version, random_suffix, AwsCall, Install, Moto, TfVersion, Workdir};

const ACCOUNT: &str = "123456789012";

/// `required_providers` and a provider block sending every service to
/// `moto`, with `extra` inside the block.
fn config(moto: &Moto, extra: &str, body: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    irsa = {{ source = "irsa/irsa" }}
  }}
}}
provider "irsa" {{
  region = "us-east-1"
  endpoints {{
    s3  = "{ep}"
    iam = "{ep}"
    sts = "{ep}"
  }}
{extra}
}}
{body}
"#,
        ep = moto.endpoint()
    )
}

/// An `irsa_role` for a fresh OIDC provider: something that makes IAM
/// calls after configure.
fn role(moto: &Moto, s: &str) -> String {
    let host = format!("oidc-{s}.example.com/c1");
    let arn = moto.boto(&format!(
        "out = iam.create_open_id_connect_provider(Url='https://{host}', \
         ClientIDList=['sts.amazonaws.com'], ThumbprintList=['a' * 40])['OpenIDConnectProviderArn']"
    ));
    format!(
        r#"
resource "irsa_role" "app" {{
  name              = "cfg-{s}"
  oidc_provider_arn = "{arn}"
  service_accounts  = ["apps:billing"]
}}
"#,
        arn = arn.as_str().unwrap()
    )
}

/// A work dir whose Terraform reaches `moto` with moto's environment, less
/// the `keys` dropped (so that another source of credentials is used).
fn workdir(moto: &Moto, version: TfVersion, without_env_keys: bool) -> Workdir {
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env().into_iter().filter(|(k, _)| {
        !(without_env_keys && (k == "AWS_ACCESS_KEY_ID" || k == "AWS_SECRET_ACCESS_KEY"))
    }));
    wd
}

/// The session a moto access key id belongs to: its caller ARN.
fn caller_arn(moto: &Moto, access_key_id: &str) -> String {
    moto.boto(&format!(
        "sts = boto3.client('sts', aws_access_key_id='{access_key_id}', aws_secret_access_key='x')\n\
         out = sts.get_caller_identity()['Arn']"
    ))
    .as_str()
    .unwrap()
    .to_owned()
}

/// The IAM calls of a recording, each with the key id that signed it;
/// checks that there are some and that one key signed them all.
fn iam_key(calls: &[AwsCall]) -> String {
    let iam: Vec<&AwsCall> = calls.iter().filter(|c| c.service == "iam").collect();
    assert!(!iam.is_empty(), "no IAM calls recorded: {calls:#?}");
    let key = iam[0].access_key_id.clone();
    assert!(
        iam.iter().all(|c| c.access_key_id == key),
        "IAM calls signed with more than one key: {iam:#?}"
    );
    key
}

fn sts_call<'a>(calls: &'a [AwsCall], action: &str) -> &'a AwsCall {
    calls
        .iter()
        .find(|c| c.action == action)
        .unwrap_or_else(|| panic!("no {action} call recorded: {calls:#?}"))
}

// ------------------------------------------------------------------ tests

/// Apply the role configuration with `extra` in the provider block, and
/// the calls moto received meanwhile.
fn apply_recorded(moto: &Moto, wd: &Workdir, extra: &str, s: &str) -> Vec<AwsCall> {
    wd.write("main.tf", &config(moto, extra, &role(moto, s)));
    moto.start_recording();
    wd.apply_ok();
    moto.stop_recording()
}

/// The IAM calls were signed with the keys STS issued for the session
/// `<role name>/<session name>`.
fn assert_signed_by_session(moto: &Moto, calls: &[AwsCall], session: &str) {
    let key = iam_key(calls);
    assert!(key.starts_with("ASIA"), "IAM calls signed with {key}");
    assert_eq!(
        caller_arn(moto, &key),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/{session}")
    );
}

fn assume_role_signs_the_later_calls(version: TfVersion) {
    let moto = Moto::start();
    let s = random_suffix();
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/terraform-{s}");
    let extra = format!(
        r#"
  assume_role {{
    role_arn            = "{role_arn}"
    session_name        = "tf-{s}"
    external_id         = "ext-{s}"
    duration            = "15m"
    tags                = {{ team = "platform" }}
    transitive_tag_keys = ["team"]
    source_identity     = "ci-{s}"
  }}
"#
    );
    let wd = workdir(&moto, version, false);
    let calls = apply_recorded(&moto, &wd, &extra, &s);

    let assume = sts_call(&calls, "AssumeRole");
    assert_eq!(assume.access_key_id, "testing", "{assume:#?}");
    assert_signed_by_session(&moto, &calls, &format!("terraform-{s}/tf-{s}"));
    assert_eq!(
        calls.iter().filter(|c| c.action == "AssumeRole").count(),
        1,
        "one session for the whole run: {calls:#?}"
    );
    assert_eq!(wd.plan_exit_code(), 0);
    wd.destroy_ok();
}
per_version!(assume_role_signs_the_later_calls);

fn a_profile_chain_from_shared_config_files(version: TfVersion) {
    let moto = Moto::start();
    let s = random_suffix();
    let wd = workdir(&moto, version, true);
    wd.write(
        "aws-config",
        &format!(
            "[profile base]\naws_access_key_id = AKIABASE{s}\naws_secret_access_key = base-secret\n\n\
             [profile deploy]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/chain-{s}\nsource_profile = base\n\
             role_session_name = chain-{s}\n"
        ),
    );
    let config_path = wd.path().join("aws-config");
    let extra = format!(
        "  profile             = \"deploy\"\n  shared_config_files = [\"{}\"]\n",
        config_path.display()
    );
    let calls = apply_recorded(&moto, &wd, &extra, &s);

    let assume = sts_call(&calls, "AssumeRole");
    assert_eq!(assume.access_key_id, format!("AKIABASE{s}"), "{assume:#?}");
    assert_signed_by_session(&moto, &calls, &format!("chain-{s}/chain-{s}"));
    wd.destroy_ok();
}
per_version!(a_profile_chain_from_shared_config_files);

fn web_identity_with_a_token_file(version: TfVersion) {
    let moto = Moto::start();
    let s = random_suffix();
    let wd = workdir(&moto, version, true);
    wd.write(
        "token",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl\n",
    );
    let extra = format!(
        r#"
  assume_role_with_web_identity {{
    role_arn                = "arn:aws:iam::{ACCOUNT}:role/ci-{s}"
    session_name            = "ci-{s}"
    web_identity_token_file = "{}"
    duration                = "1h"
  }}
"#,
        wd.path().join("token").display()
    );
    let calls = apply_recorded(&moto, &wd, &extra, &s);

    let assume = sts_call(&calls, "AssumeRoleWithWebIdentity");
    assert_eq!(
        assume.access_key_id, "",
        "the call is unsigned: {assume:#?}"
    );
    assert_signed_by_session(&moto, &calls, &format!("ci-{s}/ci-{s}"));
    wd.destroy_ok();
}
per_version!(web_identity_with_a_token_file);

fn static_keys_win_and_stay_out_of_state_and_plan(version: TfVersion) {
    let moto = Moto::start();
    let s = random_suffix();
    let access_key = format!("AKIASTATIC{}", s.to_uppercase());
    let secret = format!("static-secret-{s}-never-stored");
    let session = format!("static-session-{s}-never-stored");
    // moto's environment keys stay set: the block's keys must win.
    let wd = workdir(&moto, version, false);
    let extra = format!(
        "  access_key = \"{access_key}\"\n  secret_key = \"{secret}\"\n  token      = \"{session}\"\n"
    );
    wd.write("main.tf", &config(&moto, &extra, &role(&moto, &s)));
    let plan = wd.plan_ok();
    moto.start_recording();
    wd.apply_ok();
    let calls = moto.stop_recording();
    assert_eq!(iam_key(&calls), access_key);

    let state = wd.read("terraform.tfstate");
    let shown = wd.show_json().to_string();
    for (what, text) in [
        ("state", state.as_str()),
        ("show -json", &shown),
        ("plan", &plan.combined()),
    ] {
        assert!(!text.contains(&secret), "the secret key is in the {what}");
        assert!(!text.contains(&session), "the token is in the {what}");
    }
    wd.destroy_ok();
}
per_version!(static_keys_win_and_stay_out_of_state_and_plan);

fn account_lists_are_checked_at_configure(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let body = role(moto, &s);
    let wd = workdir(moto, version, false);

    wd.write(
        "main.tf",
        &config(moto, "  allowed_account_ids = [\"111111111111\"]\n", &body),
    );
    let out = wd.plan().assert_failure();
    assert!(
        out.combined().contains(&format!(
            "AWS account {ACCOUNT} is not in allowed_account_ids (111111111111)"
        )),
        "{out}"
    );

    wd.write(
        "main.tf",
        &config(
            moto,
            &format!("  forbidden_account_ids = [\"{ACCOUNT}\"]\n"),
            &body,
        ),
    );
    let out = wd.plan().assert_failure();
    assert!(
        out.combined().contains(&format!(
            "AWS account {ACCOUNT} is in forbidden_account_ids"
        )),
        "{out}"
    );

    wd.write(
        "main.tf",
        &config(
            moto,
            &format!("  allowed_account_ids = [\"{ACCOUNT}\"]\n"),
            &body,
        ),
    );
    wd.plan_ok();
}
per_version!(account_lists_are_checked_at_configure);

fn no_credentials_is_one_clear_paragraph(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let body = role(moto, &s);
    let wd = workdir(moto, version, true);
    wd.write(
        "main.tf",
        &config(
            moto,
            &format!("  allowed_account_ids = [\"{ACCOUNT}\"]\n"),
            &body,
        ),
    );
    let out = wd.plan().assert_failure();
    let text = out.combined();
    assert!(text.contains("Cannot check the AWS account"), "{out}");
    assert!(text.contains("no AWS credentials."), "{out}");
    assert!(
        !text.contains("\n  Environment:"),
        "the sources are listed in one paragraph: {out}"
    );
    for dump in ["DispatchFailure", "ConstructionFailure {", "source: "] {
        assert!(!text.contains(dump), "SDK dump ({dump}) in: {out}");
    }
}
per_version!(no_credentials_is_one_clear_paragraph);

fn retry_settings_and_refusals_at_validate(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let body = role(moto, &s);
    let wd = workdir(moto, version, false);
    wd.write(
        "main.tf",
        &config(
            moto,
            "  max_retries = 2\n  retry_mode  = \"adaptive\"\n  sts_region  = \"us-east-1\"\n",
            &body,
        ),
    );
    wd.validate_ok();
    wd.plan_ok();

    let bad = format!(
        r#"
  max_retries           = -1
  retry_mode            = "legacy"
  allowed_account_ids   = ["12345"]
  assume_role {{
    role_arn = "arn:aws:iam::{ACCOUNT}:user/terraform"
    duration = "1d"
  }}
"#
    );
    wd.write("main.tf", &config(moto, &bad, &body));
    let out = wd.validate().assert_failure();
    let text = out.combined();
    for expected in [
        "Invalid retry count",
        "max_retries           = -1",
        "Invalid retry mode",
        "retry_mode            = \"legacy\"",
        "Invalid AWS account id",
        "Invalid duration",
        "duration = \"1d\"",
        "is not an IAM role ARN",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from: {out}");
    }
}
per_version!(retry_settings_and_refusals_at_validate);

/// Terraform accepts every argument together (their descriptions are
/// checked by the docs test).
fn every_argument_is_accepted(version: TfVersion) {
    let moto = Moto::shared();
    let wd = workdir(moto, version, false);
    let extra = format!(
        r#"
  access_key               = "AKIAEXAMPLE"
  secret_key               = "example"
  token                    = "example"
  shared_config_files      = ["~/.aws/config"]
  shared_credentials_files = ["~/.aws/credentials"]
  forbidden_account_ids    = ["111111111111"]
  assume_role {{
    role_arn     = "arn:aws:iam::{ACCOUNT}:role/terraform"
    policy       = jsonencode({{ Version = "2012-10-17", Statement = [] }})
    policy_arns  = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  }}
  assume_role_with_web_identity {{
    role_arn           = "arn:aws:iam::{ACCOUNT}:role/ci"
    web_identity_token = "token"
  }}
"#
    );
    wd.write("main.tf", &config(moto, &extra, ""));
    wd.validate_ok();
}
per_version!(every_argument_is_accepted);

/// The STS answer the stand-in gives for GetCallerIdentity.
const CALLER_IDENTITY: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/proxied</Arn><UserId>AIDAPROXIED</UserId>\
<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>proxied-1</RequestId>\
</ResponseMetadata></GetCallerIdentityResponse>";

const STS_HOST: &str = "sts.us-east-1.amazonaws.com";

fn proxies_and_the_ca_bundle(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let public = PublicEndpoint::start(&moto.endpoint());
    public.override_body(STS_HOST, "/", 200, CALLER_IDENTITY);
    let body = role(moto, &s);
    let mut wd = workdir(moto, version, false);
    wd.write("ca.pem", public.ca_pem());
    let ca = wd.path().join("ca.pem").display().to_string();
    // STS at its public name, reached only through the TLS-inspecting proxy.
    let block = |extra: &str| {
        config(moto, extra, &body).replace(
            &format!("sts = \"{}\"", moto.endpoint()),
            &format!("sts = \"https://{STS_HOST}\""),
        )
    };
    // Whether a signed STS call reached the proxy's far side after the
    // first `since` requests.
    let reached = |public: &PublicEndpoint, since: usize| {
        public.requests()[since..]
            .iter()
            .any(|r| r.host == STS_HOST && r.method == "POST" && r.authorization)
    };

    // The block's proxy and CA bundle.
    wd.write(
        "main.tf",
        &block(&format!(
            "  allowed_account_ids = [\"{ACCOUNT}\"]\n  https_proxy = \"{}\"\n  custom_ca_bundle = \"{ca}\"\n",
            public.proxy_url()
        )),
    );
    wd.plan_ok();
    assert!(
        public.tunnels().contains(&format!("{STS_HOST}:443")),
        "{:?}",
        public.tunnels()
    );
    assert!(reached(&public, 0), "{:?}", public.requests());

    // Without the CA the proxy's certificate is refused: nothing is sent.
    let since = public.requests().len();
    wd.write(
        "main.tf",
        &block(&format!(
            "  allowed_account_ids = [\"{ACCOUNT}\"]\n  https_proxy = \"{}\"\n",
            public.proxy_url()
        )),
    );
    let out = wd.plan().assert_failure();
    assert!(
        out.combined().contains("Cannot check the AWS account"),
        "{out}"
    );
    assert!(!reached(&public, since), "{:?}", public.requests());

    // The environment's HTTPS_PROXY and AWS_CA_BUNDLE when the block says
    // nothing.
    let since = public.requests().len();
    wd.env("HTTPS_PROXY", &public.proxy_url())
        .env("AWS_CA_BUNDLE", &ca);
    wd.write(
        "main.tf",
        &block(&format!("  allowed_account_ids = [\"{ACCOUNT}\"]\n")),
    );
    wd.plan_ok();
    assert!(reached(&public, since), "{:?}", public.requests());

    // `no_proxy` sends the call past the proxy (and, offline, nowhere).
    let tunnels = public.tunnels().len();
    wd.write(
        "main.tf",
        &block(&format!(
            "  allowed_account_ids = [\"{ACCOUNT}\"]\n  no_proxy = \"127.0.0.1,.amazonaws.com\"\n"
        )),
    );
    wd.plan();
    assert_eq!(public.tunnels().len(), tunnels, "{:?}", public.tunnels());

    // An unreadable CA bundle is refused, naming the attribute's value.
    wd.write(
        "main.tf",
        &block("  custom_ca_bundle = \"/nonexistent/ca.pem\"\n"),
    );
    let out = wd.plan().assert_failure();
    assert!(
        out.combined()
            .contains("cannot read the CA bundle /nonexistent/ca.pem (from custom_ca_bundle)"),
        "{out}"
    );
}
per_version!(proxies_and_the_ca_bundle);

/// Text with Terraform's line wrapping undone.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn a_failing_source_is_named(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let body = role(moto, &s);
    let wd = workdir(moto, version, true);

    // assume_role with STS unreachable (a closed port).
    let closed = format!("sts = \"{}\"", moto.endpoint());
    wd.write(
        "main.tf",
        &config(
            moto,
            &format!(
                "  access_key = \"AKIAEXAMPLE\"\n  secret_key = \"example\"\n  assume_role {{\n    role_arn = \"arn:aws:iam::{ACCOUNT}:role/unreachable-{s}\"\n  }}\n"
            ),
            &body,
        )
        .replace(&closed, "sts = \"http://127.0.0.1:9\""),
    );
    let out = wd.apply().assert_failure();
    assert!(
        one_line(&out.combined()).contains(&format!(
            "credentials from `assume_role` failed: AssumeRole on arn:aws:iam::{ACCOUNT}:role/unreachable-{s} failed"
        )),
        "{out}"
    );

    // A web identity token file that is not there.
    wd.write(
        "main.tf",
        &config(
            moto,
            &format!(
                "  assume_role_with_web_identity {{\n    role_arn = \"arn:aws:iam::{ACCOUNT}:role/ci-{s}\"\n    web_identity_token_file = \"/nonexistent/token\"\n  }}\n"
            ),
            &body,
        ),
    );
    let out = wd.apply().assert_failure();
    assert!(
        one_line(&out.combined()).contains(
            "credentials from `assume_role_with_web_identity` failed: cannot read the token file /nonexistent/token"
        ),
        "{out}"
    );
}
per_version!(a_failing_source_is_named);
