//! The provider's `default_tags` and `ignore_tags` through real terraform
//! (1.11 and 1.0.3) against moto: `tags_all` on create, on a change of the
//! defaults and on import; tags others add left alone on the role, the OIDC
//! provider and the bucket; drift of a default repaired; and the refusals
//! at plan time.
//!
//! What AWS holds is read with boto3, never through the provider's code.

use serde_json::{json, Value as Json};

use crate::support::{
    per_version, random_suffix, state_resource, Install, Moto, TfVersion, Workdir,
};

/// The provider block with `default_tags` and `ignore_tags` added.
fn provider(moto: &Moto, defaults: &str, ignore: &str) -> String {
    moto.provider_config().replacen(
        "s3_use_path_style = true",
        &format!(
            "s3_use_path_style = true\n  default_tags {{\n    tags = {defaults}\n  }}\n  ignore_tags {{\n    {ignore}\n  }}"
        ),
        1,
    )
}

fn config(moto: &Moto, s: &str, defaults: &str, role_tags: &str) -> String {
    format!(
        r#"{}
resource "irsa_issuer" "this" {{
  bucket = "tags-{s}"
  tags   = {{ app = "issuer" }}
}}

resource "irsa_role" "this" {{
  name              = "tags-{s}"
  oidc_provider_arn = irsa_issuer.this.oidc_provider_arn
  service_accounts  = ["apps:billing"]
  tags              = {role_tags}
}}
"#,
        provider(moto, defaults, r#"key_prefixes = ["bot:"]"#)
    )
}

/// The tags of the role, the issuer's OIDC provider and its bucket, as AWS
/// holds them, without the provider's creation token.
fn live_tags(moto: &Moto, s: &str, provider_arn: &str) -> Json {
    moto.boto(&format!(
        "from botocore.config import Config\n\
         s3 = boto3.client('s3', config=Config(s3={{'addressing_style': 'path'}}))\n\
         def plain(tags):\n\
         \x20   return {{t['Key']: t['Value'] for t in tags if t['Key'] != 'irsa:creation-token'}}\n\
         out = {{\n\
         \x20   'role': plain(iam.get_role(RoleName='tags-{s}')['Role'].get('Tags', [])),\n\
         \x20   'provider': plain(iam.get_open_id_connect_provider(OpenIDConnectProviderArn='{provider_arn}').get('Tags', [])),\n\
         \x20   'bucket': plain(s3.get_bucket_tagging(Bucket='tags-{s}')['TagSet']),\n\
         }}"
    ))
}

/// Add `key = value` to the role, the OIDC provider and the bucket, as a
/// tag bot would.
fn tag_outside(moto: &Moto, s: &str, provider_arn: &str, key: &str, value: &str) {
    moto.boto(&format!(
        "from botocore.config import Config\n\
         s3 = boto3.client('s3', config=Config(s3={{'addressing_style': 'path'}}))\n\
         tag = {{'Key': '{key}', 'Value': '{value}'}}\n\
         iam.tag_role(RoleName='tags-{s}', Tags=[tag])\n\
         iam.tag_open_id_connect_provider(OpenIDConnectProviderArn='{provider_arn}', Tags=[tag])\n\
         have = [t for t in s3.get_bucket_tagging(Bucket='tags-{s}')['TagSet'] if t['Key'] != '{key}']\n\
         s3.put_bucket_tagging(Bucket='tags-{s}', Tagging={{'TagSet': have + [tag]}})"
    ));
}

fn attrs(wd: &Workdir, address: &str) -> Json {
    state_resource(&wd.show_json(), address)["values"].clone()
}

fn default_tags_ignore_tags_and_import(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let wd = {
        let mut wd = Workdir::new(version, Install::DevOverrides);
        wd.envs(moto.env());
        wd
    };
    let role_tags = r#"{ team = "identity", app = "billing" }"#;
    let defaults = |env: &str| format!(r#"{{ env = "{env}", team = "platform" }}"#);
    wd.write("main.tf", &config(moto, &s, &defaults("test"), role_tags));
    wd.apply_ok();

    // tags_all: the defaults, the resource's own over them.
    let role = attrs(&wd, "irsa_role.this");
    let issuer = attrs(&wd, "irsa_issuer.this");
    assert_eq!(
        role["tags"],
        json!({"team": "identity", "app": "billing"}),
        "{version}"
    );
    assert_eq!(
        role["tags_all"],
        json!({"env": "test", "team": "identity", "app": "billing"}),
        "{version}"
    );
    let issuer_all = json!({"env": "test", "team": "platform", "app": "issuer"});
    assert_eq!(issuer["tags"], json!({"app": "issuer"}), "{version}");
    assert_eq!(issuer["tags_all"], issuer_all, "{version}");
    let arn = issuer["oidc_provider_arn"].as_str().unwrap().to_owned();
    assert_eq!(
        live_tags(moto, &s, &arn),
        json!({"role": role["tags_all"], "provider": issuer_all, "bucket": issuer_all}),
        "{version}: AWS holds tags_all"
    );
    assert_eq!(wd.plan_exit_code(), 0, "{version}: clean after create");

    // A tag bot's tags are not drift.
    tag_outside(moto, &s, &arn, "bot:scanned", "yes");
    assert_eq!(
        wd.plan_exit_code(),
        0,
        "{version}: ignored tags are not drift"
    );

    // A change of the defaults updates both resources in place, and the
    // bot's tags stay.
    wd.write("main.tf", &config(moto, &s, &defaults("prod"), role_tags));
    let plan = wd.plan_ok().combined();
    assert!(
        plan.contains("2 to change, 0 to destroy") && plan.contains("tags_all"),
        "{version}: {plan}"
    );
    wd.apply_ok();
    let live = live_tags(moto, &s, &arn);
    for what in ["role", "provider", "bucket"] {
        assert_eq!(
            live[what]["env"],
            json!("prod"),
            "{version}: {what}: {live}"
        );
        assert_eq!(
            live[what]["bot:scanned"],
            json!("yes"),
            "{version}: {what} keeps the bot's tag: {live}"
        );
    }
    assert_eq!(
        attrs(&wd, "irsa_role.this")["tags_all"],
        json!({"env": "prod", "team": "identity", "app": "billing"}),
        "{version}"
    );
    assert_eq!(wd.plan_exit_code(), 0, "{version}: clean after the change");

    // A default changed outside Terraform is drift, and repaired.
    moto.boto(&format!(
        "iam.tag_role(RoleName='tags-{s}', Tags=[{{'Key': 'env', 'Value': 'changed'}}])"
    ));
    assert_eq!(
        wd.plan_exit_code(),
        2,
        "{version}: a changed default is drift"
    );
    wd.apply_ok();
    assert_eq!(
        live_tags(moto, &s, &arn)["role"]["env"],
        json!("prod"),
        "{version}"
    );

    // Import: a default's tag counts as the default's, so the configuration
    // as written plans nothing.
    wd.run(&["state", "rm", "irsa_role.this"]).assert_success();
    wd.import_ok("irsa_role.this", &format!("tags-{s}"));
    let imported = attrs(&wd, "irsa_role.this");
    assert_eq!(
        imported["tags"],
        json!({"team": "identity", "app": "billing"}),
        "{version}"
    );
    assert_eq!(
        imported["tags_all"],
        json!({"env": "prod", "team": "identity", "app": "billing"}),
        "{version}"
    );
    assert_eq!(wd.plan_exit_code(), 0, "{version}: clean after import");

    wd.destroy_ok();
}
per_version!(default_tags_ignore_tags_and_import);

fn bad_tags_are_refused_at_plan_naming_the_attribute(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env());

    // A default tag AWS would refuse.
    let bad_default = format!(
        "{}\nresource \"irsa_role\" \"this\" {{\n  name = \"bad-{s}\"\n  oidc_provider_arn = \"arn:aws:iam::123456789012:oidc-provider/oidc.example.com\"\n  service_accounts = [\"a:b\"]\n}}\n",
        provider(moto, r#"{ "aws:owner" = "me" }"#, "")
    );
    wd.write("main.tf", &bad_default);
    let text = wd.plan().assert_failure().combined();
    // Terraform points at the line of `default_tags.tags`.
    assert!(
        text.contains("Invalid tags")
            && text.contains("in provider \"irsa\"")
            && text.contains(r#"tags = { "aws:owner" = "me" }"#),
        "{version}: {text}"
    );

    // A tag the provider ignores, and more tags than fit with the defaults.
    let many: String = (0..40).map(|i| format!("d{i} = \"v\", ")).collect();
    let own: String = (0..10).map(|i| format!("r{i} = \"v\", ")).collect();
    let body = format!(
        "{}\nresource \"irsa_role\" \"ignored\" {{\n  name = \"bad1-{s}\"\n  oidc_provider_arn = \"arn:aws:iam::123456789012:oidc-provider/oidc.example.com\"\n  service_accounts = [\"a:b\"]\n  tags = {{ \"bot:owner\" = \"x\" }}\n}}\n\
         resource \"irsa_role\" \"too_many\" {{\n  name = \"bad2-{s}\"\n  oidc_provider_arn = \"arn:aws:iam::123456789012:oidc-provider/oidc.example.com\"\n  service_accounts = [\"a:b\"]\n  tags = {{ {own} }}\n}}\n",
        provider(moto, &format!("{{ {many} }}"), r#"key_prefixes = ["bot:"]"#)
    );
    wd.write("main.tf", &body);
    let text = wd.plan().assert_failure().combined();
    let errors: Vec<&str> = text.split("Error: ").skip(1).collect();
    assert_eq!(errors.len(), 2, "{version}: {text}");
    let ignored = errors
        .iter()
        .find(|e| e.contains("irsa_role.ignored,"))
        .unwrap();
    assert!(
        ignored.starts_with("Tag ignored by the provider") && ignored.contains("tags"),
        "{version}: {ignored}"
    );
    let too_many = errors
        .iter()
        .find(|e| e.contains("irsa_role.too_many,"))
        .unwrap();
    assert!(
        too_many.contains("50 tags given") && too_many.contains("default_tags"),
        "{version}: {too_many}"
    );
}
per_version!(bad_tags_are_refused_at_plan_naming_the_attribute);
