//! `irsa_issuer` with `hosting = "cloudfront"` through real terraform (1.11
//! and 1.0.3) against moto: a private bucket (all of Block Public Access
//! on, no public statement) read only by the issuer's distribution through
//! an Origin Access Control, the issuer URL at the distribution's domain,
//! the JWKS written into it by `irsa_jwks`, an empty second plan, drift of
//! the distribution and of the bucket policy repaired in place, a
//! distribution deleted outside made again (the issuer moving to its
//! domain), a first alias moving the issuer to it, import by
//! `<distribution id>/<prefix>` giving the same state, and destroy leaving no distribution, Origin Access Control, bucket or OIDC
//! provider; the refusals at plan.

use serde_json::{json, Value as Json};

use crate::e2e_issuer::{expect_drift_then_repair, refused_at_plan};
use crate::support::{
    per_version, random_suffix, state_resource, Install, Moto, TfVersion, Workdir,
};

const RESOURCE: &str = "irsa_issuer.this";
const REGION: &str = "eu-west-1";
const PUBLIC_KEY: &str = include_str!("../../src/domain/testdata/rsa2048.pub.pem");

fn attributes(wd: &Workdir) -> Json {
    state_resource(&wd.show_json(), RESOURCE)["values"].clone()
}

/// What moto holds for the issuer: the distribution's config and status,
/// every Origin Access Control's name, the bucket's Block Public Access and
/// policy, and the OIDC providers' URLs.
fn held(moto: &Moto, bucket: &str, distribution: &str) -> Json {
    moto.boto(&format!(
        "cf = boto3.client('cloudfront')\n\
         out = {{}}\n\
         try:\n    d = cf.get_distribution(Id='{distribution}')\n    \
             out['config'] = d['Distribution']['DistributionConfig']\n    \
             out['etag'] = d['ETag']\n\
         except cf.exceptions.NoSuchDistribution:\n    out['config'] = None\n\
         out['oacs'] = [o['Name'] for o in cf.list_origin_access_controls()['OriginAccessControlList'].get('Items', [])]\n\
         out['buckets'] = [b['Name'] for b in s3.list_buckets()['Buckets']]\n\
         if '{bucket}' in out['buckets']:\n    \
             out['public_access'] = s3.get_public_access_block(Bucket='{bucket}')['PublicAccessBlockConfiguration']\n    \
             out['policy'] = json.loads(s3.get_bucket_policy(Bucket='{bucket}')['Policy'])\n\
         out['providers'] = [iam.get_open_id_connect_provider(OpenIDConnectProviderArn=p['Arn'])['Url'] \
             for p in iam.list_open_id_connect_providers()['OpenIDConnectProviderList']]\n"
    ))
}

fn lifecycle(version: TfVersion) {
    let moto = Moto::start();
    let bucket = format!("cf-{}", random_suffix());
    let ctx = format!("{version:?}");
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env());
    wd.write("sa.pub", PUBLIC_KEY);
    let main_tf = format!(
        r#"{provider}
resource "irsa_issuer" "this" {{
  hosting = "cloudfront"
  bucket  = "{bucket}"
  prefix  = "c1"
  region  = "{REGION}"
  cloudfront {{
    price_class = "PriceClass_100"
  }}
}}
resource "irsa_jwks" "this" {{
  bucket          = irsa_issuer.this.bucket
  key             = irsa_issuer.this.jwks_key
  region          = irsa_issuer.this.region
  public_keys_pem = [file("sa.pub")]
}}
output "issuer_url" {{ value = irsa_issuer.this.issuer_url }}
"#,
        provider = moto.provider_config()
    );
    wd.write("main.tf", &main_tf);
    wd.apply_ok();
    let a = attributes(&wd);
    let domain = a["distribution_domain_name"].as_str().unwrap().to_owned();
    let id = a["distribution_id"].as_str().unwrap().to_owned();
    let url = format!("https://{domain}/c1");
    assert_eq!(a["hosting"], json!("cloudfront"), "{ctx}");
    assert_eq!(a["issuer_url"], json!(url), "{ctx}");
    assert_eq!(a["jwks_uri"], json!(format!("{url}/keys.json")), "{ctx}");
    assert_eq!(a["jwks_key"], json!("c1/keys.json"), "{ctx}");
    assert_eq!(a["url_style"], Json::Null, "{ctx}");
    let discovery: Json = serde_json::from_str(a["discovery_json"].as_str().unwrap()).unwrap();
    assert_eq!(discovery["issuer"], json!(url), "{ctx}");

    let h = held(&moto, &bucket, &id);
    let config = &h["config"];
    let origin = &config["Origins"]["Items"][0];
    assert_eq!(
        origin["DomainName"],
        json!(format!("{bucket}.s3.{REGION}.amazonaws.com")),
        "{ctx}: the regional endpoint: {config}"
    );
    assert_eq!(
        origin["OriginAccessControlId"], a["origin_access_control_id"],
        "{ctx}"
    );
    let behaviour = &config["DefaultCacheBehavior"];
    assert_eq!(
        behaviour["ViewerProtocolPolicy"],
        json!("https-only"),
        "{ctx}"
    );
    assert_eq!(config["PriceClass"], json!("PriceClass_100"), "{ctx}");
    assert_eq!(config["Enabled"], json!(true), "{ctx}");
    let oacs = h["oacs"].as_array().unwrap();
    assert_eq!(oacs.len(), 1, "{ctx}: {oacs:?}");
    assert!(
        oacs[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("irsa-{bucket}-")),
        "{ctx}: named for the bucket and prefix: {oacs:?}"
    );
    let public = &h["public_access"];
    for k in [
        "BlockPublicAcls",
        "IgnorePublicAcls",
        "BlockPublicPolicy",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(public[k], json!(true), "{ctx}: {k}: {public}");
    }
    let statements = h["policy"]["Statement"].as_array().unwrap().clone();
    let allows: Vec<&Json> = statements
        .iter()
        .filter(|s| s["Effect"] == json!("Allow"))
        .collect();
    assert_eq!(allows.len(), 1, "{ctx}: {statements:?}");
    assert_eq!(
        allows[0]["Principal"],
        json!({"Service": "cloudfront.amazonaws.com"}),
        "{ctx}"
    );
    assert_eq!(
        allows[0]["Condition"]["StringEquals"]["AWS:SourceArn"], a["distribution_arn"],
        "{ctx}"
    );
    assert!(
        !h["policy"]
            .to_string()
            .contains(r#""Principal":"*","Action":"s3:GetObject""#),
        "{ctx}: no public read"
    );
    assert_eq!(
        h["providers"],
        json!([format!("{domain}/c1")]),
        "{ctx}: the OIDC provider for the distribution's URL"
    );
    assert_eq!(wd.plan_exit_code(), 0, "{ctx}: second plan empty");

    // The distribution changed outside Terraform: plain HTTP allowed.
    moto.boto(&format!(
        "cf = boto3.client('cloudfront')\n\
         d = cf.get_distribution_config(Id='{id}')\n\
         c = d['DistributionConfig']\n\
         c['DefaultCacheBehavior']['ViewerProtocolPolicy'] = 'allow-all'\n\
         cf.update_distribution(Id='{id}', IfMatch=d['ETag'], DistributionConfig=c)\n"
    ));
    expect_drift_then_repair(&wd, &format!("{ctx}: viewer protocol"));
    let h = held(&moto, &bucket, &id);
    assert_eq!(
        h["config"]["DefaultCacheBehavior"]["ViewerProtocolPolicy"],
        json!("https-only"),
        "{ctx}"
    );

    // The bucket policy deleted outside Terraform.
    moto.boto(&format!("s3.delete_bucket_policy(Bucket='{bucket}')"));
    expect_drift_then_repair(&wd, &format!("{ctx}: bucket policy"));
    let h = held(&moto, &bucket, &id);
    assert!(
        h["policy"].to_string().contains("cloudfront.amazonaws.com"),
        "{ctx}"
    );

    // The distribution deleted outside Terraform (disabled, then deleted):
    // refresh finds it gone, the plan makes a new one in place with the
    // issuer URL unknown, and apply moves the discovery document, the
    // bucket policy and the OIDC provider to the new distribution's domain.
    moto.boto(&format!(
        "cf = boto3.client('cloudfront')\n\
         d = cf.get_distribution_config(Id='{id}')\n\
         c = d['DistributionConfig']\n\
         c['Enabled'] = False\n\
         u = cf.update_distribution(Id='{id}', IfMatch=d['ETag'], DistributionConfig=c)\n\
         cf.delete_distribution(Id='{id}', IfMatch=u['ETag'])\n"
    ));
    let plan = expect_drift_then_repair(&wd, &format!("{ctx}: distribution deleted"));
    assert!(
        plan.stdout
            .contains("irsa_issuer.this will be updated in-place"),
        "{ctx}: {plan}"
    );
    let a = attributes(&wd);
    let old_domain = domain;
    let id = a["distribution_id"].as_str().unwrap().to_owned();
    let domain = a["distribution_domain_name"].as_str().unwrap().to_owned();
    assert_ne!(domain, old_domain, "{ctx}: a new distribution");
    let url = format!("https://{domain}/c1");
    assert_eq!(a["issuer_url"], json!(url), "{ctx}: the new domain");
    let discovery: Json = serde_json::from_str(a["discovery_json"].as_str().unwrap()).unwrap();
    assert_eq!(discovery["issuer"], json!(url), "{ctx}");
    let h = held(&moto, &bucket, &id);
    assert_eq!(h["config"]["Enabled"], json!(true), "{ctx}");
    assert_eq!(
        h["providers"],
        json!([format!("{domain}/c1")]),
        "{ctx}: the provider for the new URL only"
    );
    assert!(
        h["policy"]
            .to_string()
            .contains(a["distribution_arn"].as_str().unwrap()),
        "{ctx}: the bucket policy names the new distribution: {}",
        h["policy"]
    );
    assert_eq!(
        h["oacs"].as_array().unwrap().len(),
        1,
        "{ctx}: {:?}",
        h["oacs"]
    );

    // A first alias: the issuer moves to it in place, with a new OIDC
    // provider for the new URL and the old one deleted.
    let main_tf = main_tf.replace(
        "price_class = \"PriceClass_100\"",
        "price_class         = \"PriceClass_100\"\n    aliases             = [\"oidc.example.com\"]\n    \
         acm_certificate_arn = \"arn:aws:acm:us-east-1:123456789012:certificate/c1\"",
    );
    wd.write("main.tf", &main_tf);
    let plan = expect_drift_then_repair(&wd, &format!("{ctx}: first alias"));
    assert!(
        plan.stdout
            .contains("irsa_issuer.this will be updated in-place"),
        "{ctx}: {plan}"
    );
    let a = attributes(&wd);
    assert_eq!(
        a["issuer_url"],
        json!("https://oidc.example.com/c1"),
        "{ctx}"
    );
    assert_eq!(
        a["distribution_id"],
        json!(id),
        "{ctx}: the same distribution"
    );
    let h = held(&moto, &bucket, &id);
    assert_eq!(
        h["config"]["Aliases"]["Items"],
        json!(["oidc.example.com"]),
        "{ctx}"
    );
    assert_eq!(
        h["providers"],
        json!(["oidc.example.com/c1"]),
        "{ctx}: the provider for the alias only"
    );

    // Imported into another state by <distribution id>/<prefix>: the same
    // attributes as the state that made it.
    let mut imported = Workdir::new(version, Install::DevOverrides);
    imported.envs(moto.env());
    imported.write("sa.pub", PUBLIC_KEY);
    imported.write("main.tf", &main_tf);
    imported.import_ok(RESOURCE, &format!("{id}/c1"));
    assert_eq!(attributes(&imported), attributes(&wd), "{ctx}: import");

    wd.destroy_ok();
    let h = held(&moto, &bucket, &id);
    assert_eq!(h["config"], Json::Null, "{ctx}: no distribution");
    assert_eq!(h["oacs"], json!([]), "{ctx}: no origin access control");
    assert!(
        !h["buckets"].as_array().unwrap().contains(&json!(bucket)),
        "{ctx}: no bucket"
    );
    assert_eq!(h["providers"], json!([]), "{ctx}: no OIDC provider");
}
per_version!(lifecycle);

fn refused_at_plan_naming_the_attribute(version: TfVersion) {
    refused_at_plan(
        version,
        &[
            (
                r#"bucket = "b-cf"
  cloudfront {}"#,
                "Attribute not used with this hosting",
                "cloudfront",
            ),
            (
                r#"hosting = "cloudfront"
  bucket  = "b-cf"
  cloudfront {
    aliases             = ["oidc.example.com"]
    acm_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/abc"
  }"#,
                "Invalid ACM certificate",
                "us-east-1",
            ),
            (
                r#"hosting = "cloudfront"
  bucket  = "b-cf"
  cloudfront {
    aliases = ["oidc.example.com"]
  }"#,
                "Invalid aliases",
                "acm_certificate_arn",
            ),
            (
                r#"hosting    = "cloudfront"
  bucket     = "b-cf"
  issuer_url = "https://oidc.example.com""#,
                "Attribute computed with this hosting",
                "issuer_url",
            ),
            (
                r#"hosting   = "cloudfront"
  bucket    = "b-cf"
  url_style = "path""#,
                "Attribute not used with this hosting",
                "url_style",
            ),
        ],
    );
}
per_version!(refused_at_plan_naming_the_attribute);
