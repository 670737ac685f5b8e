//! Import driven by configuration (`import {}` blocks, Terraform 1.5 and
//! later; run on the Terraform 1.11 on `PATH` only) against moto.
//!
//! For each resource type, objects are made in one state; then a fresh
//! working directory holds only the provider configuration and the
//! `import {}` blocks, and `terraform plan -generate-config-out` writes the
//! configuration. That configuration must plan nothing but the imports,
//! apply as imports only, and then plan no change, with the state equal to
//! the one that made the objects. Covered: every optional attribute set and
//! left to its default, a role named by the provider from `name_prefix`, a
//! key set read from a cluster (a nested block with a write-only token,
//! which import cannot know), buckets in another region than the provider's.
//!
//! Then the hand-written side: a configuration that names the imported role
//! by `name` or by `name_prefix` alone plans no change either, a prefix the
//! name was not generated from is still refused, and objects made outside
//! this provider, as hashicorp/aws makes them, import under a hand-written
//! configuration with in-place changes only (`docs/guides/migrate-from-aws.md`).

use serde_json::{json, Value as Json};

use crate::e2e_jwks::{key_pair, kid_of};
use crate::support::kube_apiserver::KubeApiServer;
use crate::support::{random_suffix, state_resource, Install, Moto, TfVersion, Workdir};

const ACCOUNT: &str = "123456789012";
const TOKEN: &str = "stand-in-token-import";

fn workdir(moto: &Moto, body: &str) -> Workdir {
    let mut wd = Workdir::new(TfVersion::Current, Install::DevOverrides);
    wd.envs(moto.env());
    wd.write("main.tf", &format!("{}{body}", moto.provider_config()));
    wd
}

/// Register an OIDC provider for `https://<host_path>`; returns its ARN.
fn oidc_provider(moto: &Moto, host_path: &str, thumbprint: &str) -> String {
    moto.boto(&format!(
        "out = iam.create_open_id_connect_provider(Url='https://{host_path}', \
             ClientIDList=['sts.amazonaws.com'], ThumbprintList=['{thumbprint}'], \
             Tags=[{{'Key': 'team', 'Value': 'platform'}}])['OpenIDConnectProviderArn']"
    ))
    .as_str()
    .unwrap()
    .to_owned()
}

fn role_exists(moto: &Moto, name: &str) -> bool {
    moto.boto(&format!(
        "try:\n    iam.get_role(RoleName='{name}')\n    out = True\n\
             except iam.exceptions.NoSuchEntityException:\n    out = False"
    ))
    .as_bool()
    .unwrap()
}

/// The object's text, or null when it (or its bucket) does not exist.
fn object(moto: &Moto, bucket: &str, key: &str) -> Option<String> {
    moto.boto(&format!(
        "try:\n    out = s3.get_object(Bucket='{bucket}', Key='{key}')['Body'].read().decode()\n\
             except (s3.exceptions.NoSuchKey, s3.exceptions.NoSuchBucket):\n    out = None"
    ))
    .as_str()
    .map(str::to_owned)
}

fn bucket_exists(moto: &Moto, bucket: &str) -> bool {
    moto.boto(&format!(
        "try:\n    s3.head_bucket(Bucket='{bucket}')\n    out = True\n\
             except Exception:\n    out = False"
    ))
    .as_bool()
    .unwrap()
}

/// The OIDC providers IAM holds whose URL contains `needle`.
fn providers_with(moto: &Moto, needle: &str) -> Vec<String> {
    let all = moto.boto("out = [p['Arn'] for p in iam.list_open_id_connect_providers()['OpenIDConnectProviderList']]",
    );
    serde_json::from_value::<Vec<String>>(all)
        .unwrap()
        .into_iter()
        .filter(|a| a.contains(needle))
        .collect()
}

/// `import {}` blocks for (address, id) pairs.
fn import_blocks(imports: &[(&str, &str)]) -> String {
    imports
        .iter()
        .map(|(to, id)| format!("import {{\n  to = {to}\n  id = \"{id}\"\n}}\n"))
        .collect()
}

/// A fresh working directory with only the provider configuration and the
/// `import {}` blocks. `terraform plan -generate-config-out=generated.tf`
/// must plan the imports and nothing else; the generated configuration must
/// then apply as imports only and plan no change. Returns the directory and
/// what was generated.
fn import_generating_config(moto: &Moto, imports: &[(&str, &str)]) -> (Workdir, String) {
    let wd = workdir(moto, &import_blocks(imports));
    let n = imports.len();
    let plan = wd
        .run(&[
            "plan",
            "-input=false",
            "-no-color",
            "-generate-config-out=generated.tf",
        ])
        .assert_success();
    assert!(
        plan.stdout.contains(&format!(
            "Plan: {n} to import, 0 to add, 0 to change, 0 to destroy."
        )),
        "the generated configuration plans the imports only:\n{plan}"
    );
    let generated = wd.read("generated.tf");
    let apply = wd.apply_ok();
    assert!(
        apply.stdout.contains(&format!(
            "Resources: {n} imported, 0 added, 0 changed, 0 destroyed."
        )),
        "{apply}\n--- generated.tf\n{generated}"
    );
    let again = wd.plan_detailed();
    assert_eq!(
        again.code,
        Some(0),
        "no change after the import:\n{again}\n--- generated.tf\n{generated}"
    );
    (wd, generated)
}

/// The lines of the generated block of `address`, without its header and
/// closing brace.
fn generated_block<'a>(generated: &'a str, address: &str) -> Vec<&'a str> {
    let (ty, name) = address.split_once('.').unwrap();
    let header = format!("resource \"{ty}\" \"{name}\" {{");
    let lines: Vec<&str> = generated.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == header)
        .unwrap_or_else(|| panic!("no {header} in:\n{generated}"));
    lines[start + 1..]
        .iter()
        .take_while(|l| **l != "}")
        .copied()
        .collect()
}

/// The key of a top-level `key = value` line of a generated block.
fn setting_key(line: &str) -> Option<&str> {
    let indented = line.strip_prefix("  ").filter(|l| !l.starts_with(' '))?;
    indented.split_once('=').map(|(k, _)| k.trim())
}

/// What the generated block of `address` sets `attr` to, as written (the
/// first line of it); `None` when it does not name `attr`.
fn generated_setting(generated: &str, address: &str, attr: &str) -> Option<String> {
    generated_block(generated, address)
        .into_iter()
        .find(|l| setting_key(l) == Some(attr))
        .map(|l| l.split_once('=').unwrap().1.trim().to_owned())
}

/// The generated configuration with the top-level line of `attr` in the
/// block of `address` replaced by `attr = <value>`, or dropped.
fn edit_generated(generated: &str, address: &str, attr: &str, value: Option<&str>) -> String {
    let (ty, name) = address.split_once('.').unwrap();
    let header = format!("resource \"{ty}\" \"{name}\" {{");
    let mut inside = false;
    let mut out = String::new();
    for line in generated.lines() {
        if line == header {
            inside = true;
        } else if line == "}" {
            inside = false;
        }
        if inside && setting_key(line) == Some(attr) {
            if let Some(v) = value {
                out.push_str(&format!("  {attr} = {v}\n"));
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The values of `address` in both states agree, but for `except`.
fn assert_same_values(made: &Json, imported: &Json, address: &str, except: &[&str]) {
    let a = state_resource(made, address)["values"].as_object().unwrap();
    let b = state_resource(imported, address)["values"]
        .as_object()
        .unwrap();
    for (name, value) in a {
        if !except.contains(&name.as_str()) {
            assert_eq!(&b[name], value, "{address}: {name} imported as made");
        }
    }
}

// ------------------------------------------------------------------ tests

/// Three issuers: one with its own bucket in another region than the
/// provider's, with tags; one in an existing bucket, under a prefix, with
/// every other setting given; one hosted elsewhere, imported by its URL.
#[test]
fn issuers_generate_a_configuration_that_applies() {
    let moto = Moto::shared();
    let s = random_suffix();
    let owned = format!("imp-own-{s}");
    let shared = format!("imp.shared.{s}");
    moto.boto(&format!("s3.create_bucket(Bucket='{shared}')"));
    let thumbprint = "b".repeat(40);
    let external = format!("https://oidc-{s}.example.com/clusters/edge");
    let made = workdir(
        moto,
        &format!(
            r#"
resource "irsa_issuer" "owned" {{
  bucket = "{owned}"
  region = "eu-west-1"
  tags   = {{ team = "platform" }}
}}

resource "irsa_issuer" "shared" {{
  bucket             = "{shared}"
  create_bucket      = false
  prefix             = "clusters/prod"
  url_style          = "path"
  jwks_path          = "openid/v1/jwks"
  client_ids         = ["sts.amazonaws.com", "vault"]
  thumbprints        = ["{thumbprint}"]
  signing_algorithms = ["RS256", "ES256"]
  tags               = {{ team = "platform", "cost center" = "42" }}
}}

resource "irsa_issuer" "external" {{
  hosting     = "external"
  issuer_url  = "{external}"
  thumbprints = ["{thumbprint}"]
  tags        = {{ team = "platform" }}
}}
"#
        ),
    );
    made.apply_ok();
    let made_state = made.show_json();

    let shared_id = format!("{shared}/clusters/prod");
    let (wd, generated) = import_generating_config(
        moto,
        &[
            ("irsa_issuer.owned", &owned),
            ("irsa_issuer.shared", &shared_id),
            ("irsa_issuer.external", &external),
        ],
    );
    assert_eq!(
        generated_setting(&generated, "irsa_issuer.external", "hosting").as_deref(),
        Some("\"external\""),
        "{generated}"
    );
    let setting = |address: &str, attr: &str| generated_setting(&generated, address, attr);
    assert_eq!(
        setting("irsa_issuer.owned", "create_bucket").as_deref(),
        Some("true"),
        "{generated}"
    );
    assert_eq!(
        setting("irsa_issuer.owned", "region").as_deref(),
        Some("\"eu-west-1\"")
    );
    assert_eq!(
        setting("irsa_issuer.shared", "create_bucket").as_deref(),
        Some("false")
    );
    assert_eq!(
        setting("irsa_issuer.shared", "url_style").as_deref(),
        Some("\"path\"")
    );
    assert_eq!(
        setting("irsa_issuer.shared", "jwks_path").as_deref(),
        Some("\"openid/v1/jwks\"")
    );
    let imported = wd.show_json();
    // moto records no thumbprint when none is given, and the state made by
    // create says `[]` where import leaves it unset; IAM fills one in.
    assert_same_values(
        &made_state,
        &imported,
        "irsa_issuer.owned",
        &["thumbprints"],
    );
    assert_same_values(&made_state, &imported, "irsa_issuer.shared", &[]);
    assert_same_values(&made_state, &imported, "irsa_issuer.external", &[]);

    wd.destroy_ok();
    assert!(!bucket_exists(moto, &owned), "the owned bucket goes");
    assert!(bucket_exists(moto, &shared), "the existing bucket stays");
    assert_eq!(
        object(
            moto,
            &shared,
            "clusters/prod/.well-known/openid-configuration"
        ),
        None
    );
    assert!(providers_with(moto, &s).is_empty(), "providers gone");
}

/// Two key sets in a bucket of another region than the provider's: one
/// from PEM keys with the legacy kid-less entries, one read from a
/// cluster's secret with a token. Import cannot know the cluster, so the
/// generated configuration lists the published keys as PEM, and holds
/// neither a `cluster` block nor the token.
#[test]
fn key_sets_generate_a_configuration_that_applies() {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("imp-jwks-{s}");
    moto.boto(&format!(
            "s3.create_bucket(Bucket='{bucket}', CreateBucketConfiguration={{'LocationConstraint': 'eu-west-1'}})"
        ),
    );
    let keys = tempfile::tempdir().unwrap();
    let rsa = key_pair(keys.path(), "rsa", false);
    let ec = key_pair(keys.path(), "ec", true);
    let signer = key_pair(keys.path(), "signer", false);
    let server = KubeApiServer::start(TOKEN);
    server.put_secret(
        "tkg-system",
        "workload-1-sa",
        &[
            ("tls.crt", signer.public_pem.as_bytes()),
            ("tls.key", signer.private_pem.as_bytes()),
        ],
    );
    let made = workdir(
        moto,
        &format!(
            r#"
resource "irsa_jwks" "pem" {{
  bucket                   = "{bucket}"
  key                      = "c1/keys.json"
  region                   = "eu-west-1"
  public_keys_pem          = [file("rsa.pub"), file("ec.pub")]
  include_legacy_empty_kid = true
}}

resource "irsa_jwks" "cluster" {{
  bucket = "{bucket}"
  key    = "c2/keys.json"
  region = "eu-west-1"
  cluster {{
    host                   = "{host}"
    token                  = "{TOKEN}"
    cluster_ca_certificate = file("ca.pem")
    secret {{
      namespace = "tkg-system"
      name      = "workload-1-sa"
    }}
  }}
}}
"#,
            host = server.host()
        ),
    );
    made.write("rsa.pub", &rsa.public_pem)
        .write("ec.pub", &ec.public_pem)
        .write("ca.pem", server.ca_pem());
    made.apply_ok();
    let made_state = made.show_json();

    let (pem_id, cluster_id) = (
        format!("{bucket}/c1/keys.json"),
        format!("{bucket}/c2/keys.json"),
    );
    let (wd, generated) = import_generating_config(
        moto,
        &[
            ("irsa_jwks.pem", &pem_id),
            ("irsa_jwks.cluster", &cluster_id),
        ],
    );
    for address in ["irsa_jwks.pem", "irsa_jwks.cluster"] {
        assert_eq!(
            generated_setting(&generated, address, "region").as_deref(),
            Some("\"eu-west-1\""),
            "the bucket's region, not the provider's:\n{generated}"
        );
    }
    assert_eq!(
        generated_setting(&generated, "irsa_jwks.pem", "include_legacy_empty_kid").as_deref(),
        Some("true")
    );
    let cluster_block = generated_block(&generated, "irsa_jwks.cluster").join("\n");
    assert!(!cluster_block.contains("cluster {"), "{cluster_block}");
    assert!(!generated.contains(TOKEN), "no token in:\n{generated}");
    let signer_body = signer.public_pem.lines().nth(1).unwrap();
    assert!(cluster_block.contains(signer_body), "{cluster_block}");
    let imported = wd.show_json();
    for address in ["irsa_jwks.pem", "irsa_jwks.cluster"] {
        let values = |state: &Json| -> Json {
            let v = &state_resource(state, address)["values"];
            json!([
                v["id"],
                v["region"],
                v["include_legacy_empty_kid"],
                v["json"],
                v["kids"],
                v["algorithms"],
                v["etag"]
            ])
        };
        assert_eq!(values(&imported), values(&made_state), "{address}");
    }
    let kids = &state_resource(&imported, "irsa_jwks.cluster")["values"]["kids"];
    assert_eq!(kids, &json!([kid_of(moto, &signer.public_pem)]));

    wd.destroy_ok();
    assert_eq!(object(moto, &bucket, "c1/keys.json"), None);
    assert_eq!(object(moto, &bucket, "c2/keys.json"), None);
}

/// A role with every setting, and one named by the provider from
/// `name_prefix`, whose state holds both `name` and `name_prefix`: the
/// generated configuration names both, and plans clean. So does that
/// configuration with either line taken out; a prefix the name was not
/// generated from is refused.
#[test]
fn roles_generate_a_configuration_that_applies_also_with_a_generated_name() {
    let moto = Moto::shared();
    let s = random_suffix();
    let primary = oidc_provider(moto, &format!("oidc-{s}.example.com/a"), &"a".repeat(40));
    let second = oidc_provider(moto, &format!("oidc-{s}.example.com/b"), &"a".repeat(40));
    let policy = moto.managed_policy(&format!("imp-read-{s}"), "s3:GetObject");
    let (full, prefix) = (format!("imp-full-{s}"), format!("imp-{s}-"));
    let made = workdir(
        moto,
        &format!(
            r#"
resource "irsa_role" "full" {{
  name                          = "{full}"
  path                          = "/k8s/"
  description                   = "Billing, with $${{literal}} and %%{{x}} kept"
  oidc_provider_arn             = "{primary}"
  additional_oidc_provider_arns = ["{second}"]
  service_accounts              = ["*:*", "apps:billing", "team-*:reader"]
  allow_any_service_account     = true
  audience                      = "vault"
  policy_arns                   = ["{policy}"]
  inline_policies = {{
    read = jsonencode({{
      Version   = "2012-10-17"
      Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::b/*" }}]
    }})
  }}
  permissions_boundary = "{policy}"
  max_session_duration = 7200
  tags                 = {{ team = "billing" }}
}}

resource "irsa_role" "prefixed" {{
  name_prefix       = "{prefix}"
  oidc_provider_arn = "{primary}"
  service_accounts  = ["apps:web"]
}}
"#
        ),
    );
    made.apply_ok();
    let made_state = made.show_json();
    let generated_name = state_resource(&made_state, "irsa_role.prefixed")["values"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(generated_name.starts_with(&prefix), "{generated_name}");

    let (wd, generated) = import_generating_config(
        moto,
        &[
            ("irsa_role.full", &full),
            ("irsa_role.prefixed", &generated_name),
        ],
    );
    let setting = |attr: &str| generated_setting(&generated, "irsa_role.prefixed", attr);
    assert_eq!(setting("name"), Some(format!("\"{generated_name}\"")));
    assert_eq!(setting("name_prefix"), Some(format!("\"{prefix}\"")));
    assert_eq!(
        generated_setting(&generated, "irsa_role.full", "name_prefix").as_deref(),
        Some("null")
    );
    let imported = wd.show_json();
    assert_same_values(&made_state, &imported, "irsa_role.full", &[]);
    assert_same_values(&made_state, &imported, "irsa_role.prefixed", &[]);

    // By hand: the name alone, or the prefix alone.
    for attr in ["name_prefix", "name"] {
        wd.write(
            "generated.tf",
            &edit_generated(&generated, "irsa_role.prefixed", attr, None),
        );
        let plan = wd.plan_detailed();
        assert_eq!(plan.code, Some(0), "without {attr}:\n{plan}");
    }
    // Validation is not weakened: a prefix the name was not made from.
    wd.write(
        "generated.tf",
        &edit_generated(
            &generated,
            "irsa_role.prefixed",
            "name_prefix",
            Some("\"other-\""),
        ),
    );
    let refused = wd.plan().assert_failure();
    assert!(
        refused
            .combined()
            .contains("Conflicting role name settings"),
        "{refused}"
    );

    wd.write("generated.tf", &generated);
    wd.destroy_ok();
    assert!(!role_exists(moto, &full));
    assert!(!role_exists(moto, &generated_name));
}

/// What `docs/guides/migrate-from-aws.md` describes, on objects made as
/// hashicorp/aws makes them (here with boto3): a bucket (with a dot, so
/// path-style URLs) holding a discovery document written with `jsonencode`
/// and without `claims_supported`, a JWKS at `openid/v1/jwks`, a bucket
/// policy of its own, an OIDC provider with a thumbprint (which the
/// configuration leaves out), and a role with a trust policy, a managed
/// policy and an inline policy. The hand-written configuration imports them
/// with in-place changes only (the two documents rewritten in this
/// provider's bytes, the issuer's policy statements added), then plans
/// clean; `create_bucket = true` then takes the bucket over in place.
#[test]
fn objects_made_elsewhere_import_under_a_written_configuration_without_replacement() {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("imp.mig.{s}");
    let url = format!("https://s3.us-east-1.amazonaws.com/{bucket}");
    let host = url.trim_start_matches("https://").to_owned();
    let provider_arn = format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{host}");
    let role = format!("imp-mig-dns-{s}");
    let thumbprint = "c".repeat(40);
    let keys = tempfile::tempdir().unwrap();
    let signer = key_pair(keys.path(), "sa", false);
    let kid = kid_of(moto, &signer.public_pem);
    let policy = moto.managed_policy(&format!("imp-mig-dns-{s}"), "route53:*");
    assert_eq!(oidc_provider(moto, &host, &thumbprint), provider_arn);
    moto.boto(&format!(
            r#"
import base64
from cryptography.hazmat.primitives import serialization
def compact(doc):
    # What jsonencode writes.
    return json.dumps(doc, separators=(',', ':'), sort_keys=True)
def b64(i):
    return base64.urlsafe_b64encode(i.to_bytes((i.bit_length() + 7) // 8, 'big')).rstrip(b'=').decode()
numbers = serialization.load_pem_public_key({pem:?}.encode()).public_numbers()
url = '{url}'
s3.create_bucket(Bucket='{bucket}')
s3.put_object(Bucket='{bucket}', Key='.well-known/openid-configuration', ContentType='application/json',
    Body=compact({{'issuer': url, 'jwks_uri': url + '/openid/v1/jwks',
        'authorization_endpoint': 'urn:kubernetes:programmatic_authorization',
        'response_types_supported': ['id_token'], 'subject_types_supported': ['public'],
        'id_token_signing_alg_values_supported': ['RS256']}}).encode())
s3.put_object(Bucket='{bucket}', Key='openid/v1/jwks', ContentType='application/json',
    Body=compact({{'keys': [{{'use': 'sig', 'kty': 'RSA', 'kid': '{kid}', 'alg': 'RS256',
        'n': b64(numbers.n), 'e': b64(numbers.e)}}]}}).encode())
s3.put_bucket_policy(Bucket='{bucket}', Policy=compact({{'Version': '2012-10-17', 'Statement': [{{
    'Sid': 'PublicRead', 'Effect': 'Allow', 'Principal': '*', 'Action': 's3:GetObject',
    'Resource': ['arn:aws:s3:::{bucket}/.well-known/openid-configuration', 'arn:aws:s3:::{bucket}/openid/v1/jwks']}}]}}))
trust = {{'Version': '2012-10-17', 'Statement': [{{'Effect': 'Allow', 'Action': 'sts:AssumeRoleWithWebIdentity',
    'Principal': {{'Federated': '{provider_arn}'}},
    'Condition': {{'StringEquals': {{'{host}:sub': 'system:serviceaccount:kube-system:external-dns',
        '{host}:aud': 'sts.amazonaws.com'}}}}}}]}}
iam.create_role(RoleName='{role}', AssumeRolePolicyDocument=json.dumps(trust, indent=2),
    Tags=[{{'Key': 'team', 'Value': 'platform'}}])
iam.attach_role_policy(RoleName='{role}', PolicyArn='{policy}')
iam.put_role_policy(RoleName='{role}', PolicyName='read', PolicyDocument=compact({{'Version': '2012-10-17',
    'Statement': [{{'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': '*'}}]}}))
"#,
            pem = signer.public_pem
        ),
    );

    let issuer = |create_bucket: bool| {
        format!(
            r#"
resource "irsa_issuer" "this" {{
  bucket        = "{bucket}"
  create_bucket = {create_bucket}
  url_style     = "path"
  jwks_path     = "openid/v1/jwks"
  tags          = {{ team = "platform" }}
}}
"#
        )
    };
    let rest = format!(
        r#"
resource "irsa_jwks" "this" {{
  bucket          = irsa_issuer.this.bucket
  key             = irsa_issuer.this.jwks_key
  region          = irsa_issuer.this.region
  public_keys_pem = [file("sa.pub")]
}}

resource "irsa_role" "external_dns" {{
  name              = "{role}"
  oidc_provider_arn = irsa_issuer.this.oidc_provider_arn
  service_accounts  = ["kube-system:external-dns"]
  policy_arns       = ["{policy}"]
  inline_policies = {{
    read = jsonencode({{
      Version   = "2012-10-17"
      Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }}]
    }})
  }}
  tags = {{ team = "platform" }}
}}
"#
    );
    let imports = import_blocks(&[
        ("irsa_issuer.this", &bucket),
        ("irsa_jwks.this", &format!("{bucket}/openid/v1/jwks")),
        ("irsa_role.external_dns", &role),
    ]);
    let wd = workdir(moto, &format!("{imports}{}{rest}", issuer(false)));
    wd.write("sa.pub", &signer.public_pem);

    let plan = wd.plan_ok();
    assert!(
        plan.stdout
            .contains("Plan: 3 to import, 0 to add, 2 to change, 0 to destroy."),
        "{plan}"
    );
    assert!(!plan.stdout.contains("replace"), "{plan}");
    for address in ["irsa_issuer.this", "irsa_jwks.this"] {
        assert!(
            plan.stdout
                .contains(&format!("# {address} will be updated in-place")),
            "{address}: {plan}"
        );
    }
    assert!(
        plan.stdout
            .contains("# irsa_role.external_dns will be imported"),
        "the role imports as it is: {plan}"
    );
    wd.apply_ok();
    assert_eq!(wd.plan_exit_code(), 0, "clean after the import");

    // The issuer's own statements beside the one it did not write; the
    // documents in this provider's bytes, at the same URLs.
    let sids = moto.boto(&format!(
            "out = [st['Sid'] for st in json.loads(s3.get_bucket_policy(Bucket='{bucket}')['Policy'])['Statement']]"
        ),
    );
    let sids: Vec<String> = serde_json::from_value(sids).unwrap();
    assert_eq!(sids.len(), 3, "{sids:?}");
    assert!(sids.contains(&"PublicRead".to_owned()), "{sids:?}");
    let discovery: Json =
        serde_json::from_str(&object(moto, &bucket, ".well-known/openid-configuration").unwrap())
            .unwrap();
    assert_eq!(discovery["issuer"], json!(url));
    assert_eq!(
        discovery["jwks_uri"],
        json!(format!("{url}/openid/v1/jwks"))
    );
    let jwks: Json =
        serde_json::from_str(&object(moto, &bucket, "openid/v1/jwks").unwrap()).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], json!(kid));
    assert_eq!(providers_with(moto, &s), vec![provider_arn.clone()]);
    // Thumbprints left out of the configuration: what IAM holds stays.
    let thumbprints = moto.boto(&format!(
            "out = iam.get_open_id_connect_provider(OpenIDConnectProviderArn='{provider_arn}')['ThumbprintList']"
        ),
    );
    assert_eq!(thumbprints, json!([thumbprint]));

    // Handing the bucket over is an in-place change of ownership.
    wd.write(
        "main.tf",
        &format!("{}{imports}{}{rest}", moto.provider_config(), issuer(true)),
    );
    let takeover = wd.plan_ok();
    assert!(
        takeover
            .stdout
            .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{takeover}"
    );
    wd.apply_ok();
    assert_eq!(wd.plan_exit_code(), 0, "clean after the takeover");
    let tags = moto.boto(&format!("out = {{t['Key']: t['Value'] for t in s3.get_bucket_tagging(Bucket='{bucket}')['TagSet']}}"),
    );
    assert_eq!(tags["team"], "platform");
    assert!(tags["irsa:creation-token"].is_string(), "{tags}");

    wd.destroy_ok();
    assert!(!bucket_exists(moto, &bucket), "an owned bucket goes");
    assert!(providers_with(moto, &s).is_empty());
    assert!(!role_exists(moto, &role));
}
