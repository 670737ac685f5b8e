//! The schema of `irsa_issuer`: attribute names, defaults, replacement and
//! validators, declared once.

use crate::attributes::{self, rule};
use crate::domain::discovery;
use crate::domain::hosting::{self, Hosting};
use crate::domain::oidc_provider as provider_rules;
use crate::domain::s3_issuer::{self, UrlStyle};
use crate::framework::validator::{self, each};
use crate::framework::{Attr, BlockSpec, ResourceSchema};
use crate::tfplugin::{Mode, Value};

pub const HOSTING: &str = "hosting";
pub const BUCKET: &str = "bucket";
pub const CREATE_BUCKET: &str = "create_bucket";
pub const PREFIX: &str = "prefix";
pub const REGION: &str = "region";
pub const URL_STYLE: &str = "url_style";
pub const JWKS_PATH: &str = "jwks_path";
pub const CLIENT_IDS: &str = "client_ids";
pub const THUMBPRINTS: &str = "thumbprints";
pub const SIGNING_ALGORITHMS: &str = "signing_algorithms";
pub const TAGS: &str = "tags";
pub use crate::attributes::TAGS_ALL;
pub const FORCE_DESTROY: &str = "force_destroy";
pub const CA_CERTIFICATE_PEM: &str = "ca_certificate_pem";
pub const ID: &str = "id";
pub const ISSUER_URL: &str = "issuer_url";
pub const ISSUER_HOST_PATH: &str = "issuer_host_path";
pub const JWKS_URI: &str = "jwks_uri";
pub const DISCOVERY_KEY: &str = "discovery_key";
pub const JWKS_KEY: &str = "jwks_key";
pub const OIDC_PROVIDER_ARN: &str = "oidc_provider_arn";
pub const BUCKET_ARN: &str = "bucket_arn";
pub const DISCOVERY_JSON: &str = "discovery_json";
pub const BUCKET_POLICY_STATEMENTS: &str = "bucket_policy_statements";
pub const CLOUDFRONT: &str = "cloudfront";
pub const ALIASES: &str = "aliases";
pub const ACM_CERTIFICATE_ARN: &str = "acm_certificate_arn";
pub const PRICE_CLASS: &str = "price_class";
pub const WEB_ACL_ID: &str = "web_acl_id";
pub const WAIT_FOR_DEPLOYMENT: &str = "wait_for_deployment";
pub const DISTRIBUTION_ID: &str = "distribution_id";
pub const DISTRIBUTION_ARN: &str = "distribution_arn";
pub const DISTRIBUTION_DOMAIN_NAME: &str = "distribution_domain_name";
pub const ORIGIN_ACCESS_CONTROL_ID: &str = "origin_access_control_id";
pub const DISTRIBUTION_SETTINGS: &str = "distribution_settings";

/// The attributes of the distribution that CloudFront assigns: known once
/// it exists, null for other hostings.
pub const DISTRIBUTION_IDS: [&str; 4] = [
    DISTRIBUTION_ID,
    DISTRIBUTION_ARN,
    DISTRIBUTION_DOMAIN_NAME,
    ORIGIN_ACCESS_CONTROL_ID,
];

/// The derived attributes that follow from the issuer URL, which behind
/// CloudFront is the distribution's domain until an alias names it.
pub const URL_DERIVED: [&str; 4] = [ISSUER_URL, ISSUER_HOST_PATH, JWKS_URI, DISCOVERY_JSON];

/// The attributes that say where the issuer is; the URLs and keys follow
/// from them.
pub const LOCATION: [&str; 5] = [BUCKET, PREFIX, REGION, URL_STYLE, JWKS_PATH];

/// The attributes of an issuer whose documents are in a bucket (in S3 or
/// behind CloudFront).
pub const BUCKET_ATTRS: [&str; 6] = [
    BUCKET,
    CREATE_BUCKET,
    PREFIX,
    REGION,
    JWKS_PATH,
    FORCE_DESTROY,
];

/// The attributes that only an externally hosted issuer takes.
pub const EXTERNAL_ONLY: [&str; 1] = [CA_CERTIFICATE_PEM];

/// The attributes an externally hosted issuer takes and one in S3
/// computes. A configuration in S3 may only repeat the computed value, as
/// the configuration Terraform generates on import does.
pub const EXTERNAL_INPUTS: [&str; 2] = [ISSUER_URL, JWKS_URI];

/// The attributes computed from the location and settings.
pub const DERIVED: [&str; 9] = [
    ID,
    ISSUER_URL,
    ISSUER_HOST_PATH,
    JWKS_URI,
    DISCOVERY_KEY,
    JWKS_KEY,
    BUCKET_ARN,
    DISCOVERY_JSON,
    BUCKET_POLICY_STATEMENTS,
];

pub fn schema() -> ResourceSchema {
    use Mode::{Computed, Optional, OptionalComputed};
    let computed = |name: &str, description: &str| Attr::string(name, Computed, description);
    let block = BlockSpec::new(
        "A public OIDC issuer for a self-hosted cluster's service-account tokens, registered with IAM, as EKS \
         does for its clusters. With `hosting = \"s3\"` (the default) it is published in S3: the resource \
         writes `/.well-known/openid-configuration` into the bucket, makes exactly that document and the JWKS \
         publicly readable (and nothing else), and creates the IAM OpenID Connect provider. Write the JWKS itself at `jwks_key` with `irsa_jwks`. Changes made outside Terraform \
         to the document, the policy statements or the provider show in the next plan and are repaired in place.\n\n\
         **Behind CloudFront.** With `hosting = \"cloudfront\"` the bucket stays private (all four Block Public \
         Access settings on, ACLs disabled, no public statement) and a CloudFront distribution serves it: its \
         origin is the bucket's regional endpoint, read through an Origin Access Control (SigV4, signing always) \
         that the bucket policy alone allows, viewers get HTTPS only and GET/HEAD only, and nothing is cached \
         (the managed `CachingDisabled` policy), so a rotated JWKS reaches STS at once. The issuer URL is the \
         distribution's domain or its first alias (see `cloudfront`). Apply waits for the deployment unless \
         `cloudfront.wait_for_deployment = false`; destroy disables the distribution, waits, deletes it, then the \
         Origin Access Control, then the bucket if it is owned. A refresh costs at most six calls, made at once: \
         the document, the bucket policy and tags, the OIDC provider, GetDistribution and \
         GetOriginAccessControl.\n\n\
         **External hosting.** With `hosting = \"external\"` the documents are served by something you run (a \
         web server, a CDN, the API server behind a proxy) at the `issuer_url` you give. No S3 call is made: the \
         resource renders `discovery_json` for you to publish at `<issuer_url>/.well-known/openid-configuration` \
         (render the JWKS with `irsa_jwks_document` and publish it at `jwks_uri`), and registers the IAM OIDC \
         provider for exactly that URL. The outputs are the same as in S3, except that `bucket`, `bucket_arn` and \
         `bucket_policy_statements` are null, and `discovery_key` and `jwks_key` are paths below the issuer URL. \
         `irsa_jwks` publishes to S3 only, so it does not take such an issuer.\n\n\
         **Ownership.** Create never takes over what existed before the apply: an existing bucket (with \
         `create_bucket = true`) or an existing IAM OIDC provider for the issuer URL, which may belong to another \
         Terraform state, makes the apply fail, naming the object and the `terraform import` command. What the \
         provider creates carries the tag `irsa:creation-token`, so that an apply whose answer was lost recognises \
         its own object and the next apply converges. Import takes the OIDC provider into this state, and infers \
         `create_bucket` from that tag: a bucket made by hand imports as not owned (`create_bucket = false`). \
         Changing `create_bucket` changes ownership in place. Destroy deletes the discovery document, this \
         issuer's policy statements and the OIDC provider, and the bucket only when it is owned. An external \
         issuer owns only its OIDC provider, under the same rules, and imports by its issuer URL. An issuer \
         behind CloudFront owns its distribution and Origin Access Control as well, and imports by \
         `<distribution id>[/<prefix>]`: the bucket and region are read from the distribution's origin.",
    )
    .attr(
        Attr::string(
            HOSTING,
            OptionalComputed,
            &format!(
                "Where the discovery document and the JWKS are served: {}. `s3` (default) publishes them in \
                 `bucket` with a public bucket policy; `cloudfront` keeps `bucket` private and serves it through a \
                 CloudFront distribution (see the `cloudfront` block); `external` leaves serving them to you at \
                 `issuer_url`. Changing it makes a new issuer.",
                validator::backticked(&Hosting::NAMES)
            ),
        )
        .default(Value::string(Hosting::DEFAULT.name()))
        .validate(validator::one_of("Invalid hosting", &Hosting::NAMES)),
    )
    .attr(
        Attr::string(
            BUCKET,
            Optional,
            "S3 bucket that holds the issuer's documents; required with `hosting = \"s3\"` and \
             `hosting = \"cloudfront\"`, refused (and null) with `external`. \
             Checked against the S3 naming rules at plan time. Changing it makes a new issuer.",
        )
        .requires_replace()
        .validate(attributes::bucket()),
    )
    .attr(
        Attr::bool(
            CREATE_BUCKET,
            OptionalComputed,
            "Create the bucket (default `true`), with ACLs disabled (`BucketOwnerEnforced`) and Block Public \
             Access blocking ACLs but allowing the issuer's policy. With `false`, the bucket must exist: only \
             this issuer's own policy statements (their `Sid`s carry a hash of `prefix`, so several issuers can \
             share a bucket) are added and later removed, and everything else in the bucket and its policy is \
             left alone. Account-wide Block Public Access must not block public bucket policies. Changing it is an \
             in-place change of ownership: to `true`, the issuer takes the existing bucket over (settings, tags, \
             its own policy statements), and destroy will delete it; to `false`, it lets the bucket go, which \
             destroy then keeps.",
        )
        .default(Value::Bool(true)),
    )
    .attr(
        Attr::string(
            PREFIX,
            Optional,
            "Path of the issuer inside the bucket, e.g. `clusters/prod`, without a leading or trailing slash. \
             Default: the bucket's root. Changing it makes a new issuer.",
        )
        .requires_replace()
        .validate(rule(s3_issuer::validate_prefix)),
    )
    .attr(
        attributes::region_attr(
            "Region of the bucket, which appears in the issuer URL. `cn-*` regions use `amazonaws.com.cn` and the \
             `aws-cn` partition, `us-gov-*` regions the `aws-us-gov` partition. Default: the provider's region \
             when the issuer is created. Changing it makes a new issuer.",
        )
        .requires_replace()
        .use_state_for_unknown(),
    )
    .attr(
        Attr::string(
            URL_STYLE,
            OptionalComputed,
            &format!(
                "How the issuer URL addresses the bucket: {}. `virtual-hosted` (default) gives \
                 `https://<bucket>.s3.<region>.amazonaws.com[/<prefix>]`, and needs a bucket name without dots \
                 (S3's wildcard certificate does not cover them); `path` gives \
                 `https://s3.<region>.amazonaws.com/<bucket>[/<prefix>]`. Changing it makes a new issuer.",
                validator::backticked(&UrlStyle::NAMES)
            ),
        )
        .default(Value::string(UrlStyle::VirtualHosted.name()))
        .validate(validator::one_of("Invalid URL style", &UrlStyle::NAMES)),
    )
    .attr(
        Attr::string(
            JWKS_PATH,
            OptionalComputed,
            "Path of the JWKS relative to the issuer, announced as `jwks_uri`. Default `keys.json`.",
        )
        .default(Value::string(s3_issuer::DEFAULT_JWKS_PATH))
        .validate(rule(s3_issuer::validate_jwks_path)),
    )
    .attr(
        Attr::string_set(
            CLIENT_IDS,
            OptionalComputed,
            "Audiences IAM accepts in tokens (the provider's client IDs). Default `[\"sts.amazonaws.com\"]`, the \
             audience the AWS SDKs use. Updated in place.",
        )
        .default(Value::Set(vec![Value::string(
            provider_rules::DEFAULT_CLIENT_ID,
        )]))
        .validate(attributes::count(provider_rules::validate_client_id_count))
        .validate(each(attributes::client_id())),
    )
    .attr(
        Attr::string_set(
            THUMBPRINTS,
            OptionalComputed,
            "SHA-1 thumbprints (40 hex digits, at most 5) of the issuer's top CA certificate. Leave unset for S3: \
             IAM then obtains and trusts S3's certificate itself, and whatever IAM records is shown here without \
             ever causing a change. With `hosting = \"external\"` and this unset, they are found when the \
             provider is created, as `ca_certificate_pem` describes. When set, they are enforced and updated in \
             place.",
        )
        .use_state_for_unknown()
        .validate(attributes::count(provider_rules::validate_thumbprint_count))
        .validate(each(attributes::thumbprint())),
    )
    .attr(
        Attr::string_list(
            SIGNING_ALGORITHMS,
            OptionalComputed,
            &format!(
                "The JWS algorithms of the cluster's token signer, announced as \
                 `id_token_signing_alg_values_supported`: `{}`. Default `[\"RS256\"]`, kube-apiserver's choice \
                 for RSA keys.",
                discovery::SIGNING_ALGORITHMS.join("`, `")
            ),
        )
        .default(Value::strings([discovery::DEFAULT_SIGNING_ALGORITHM]))
        .validate(validator::min_items(
            "No signing algorithm",
            "Name at least one, e.g. [\"RS256\"].",
            1,
        ))
        .validate(each(attributes::signing_algorithm())),
    )
    .attr(attributes::tags_attr(
        "Tags for the IAM OIDC provider, and for the bucket when it is created here. Updated in place.",
    ))
    .attr(attributes::tags_all_attr())
    .attr(
        Attr::bool(
            FORCE_DESTROY,
            OptionalComputed,
            "Let destroy delete objects this issuer did not write (such as a JWKS written by hand) from a bucket \
             created here, so the bucket can go. Default `false`: destroy then fails and names them. A bucket \
             that was not created here keeps every object except the discovery document.",
        )
        .default(Value::Bool(false)),
    )
    .attr(
        Attr::string(
            CA_CERTIFICATE_PEM,
            Optional,
            "With `hosting = \"external\"` only: PEM certificates of the private CA that the issuer's host chain \
             ends at. When `thumbprints` is unset, creating the OIDC provider connects to the host: a chain that \
             verifies against the public (Mozilla) roots, which IAM trusts itself, needs no thumbprint; with this \
             CA, the thumbprint of the top certificate the host presents (as `irsa_tls_thumbprint` computes it) \
             is registered; a chain that verifies against neither is refused.",
        )
        .validate(attributes::ca_certificate()),
    )
    .attr(
        computed(
            ID,
            "`<bucket>` or `<bucket>/<prefix>` in S3, the issuer URL with `hosting = \"external\"`; also the \
             import id.",
        )
        .use_state_for_unknown(),
    )
    .attr(
        Attr::string(
            ISSUER_URL,
            OptionalComputed,
            "The issuer URL, for `--service-account-issuer`, never with a trailing slash. In S3 it is computed: \
             the public S3 URL (endpoint overrides of the provider do not change it); a configured value must \
             equal it. Behind CloudFront it is computed too: `https://<first alias>[/<prefix>]`, or without \
             aliases `https://<distribution_domain_name>[/<prefix>]`, known once the distribution exists. With \
             `hosting = \"external\"` it is required: `https://`, no trailing slash, query or fragment, at most 255 \
             characters, since IAM and kube-apiserver compare it byte for byte. Changing it makes a new issuer.",
        )
        .use_state_for_unknown()
        .validate(attributes::issuer_url()),
    )
    .attr(
        computed(
            ISSUER_HOST_PATH,
            "The issuer URL without `https://`: the prefix of the IAM condition keys `<host_path>:sub` and \
             `<host_path>:aud` in trust policies.",
        )
        .use_state_for_unknown(),
    )
    .attr(
        Attr::string(
            JWKS_URI,
            OptionalComputed,
            &format!(
                "Public URL of the JWKS, announced in the discovery document and for \
                 `--service-account-jwks-uri`. In S3 it is computed from `jwks_path` (a configured value must equal it). With \
                 `hosting = \"external\"` it may be given; default `<issuer_url>/{}`, where kube-apiserver serves \
                 its own key set. Updated in place.",
                hosting::DEFAULT_EXTERNAL_JWKS_PATH
            ),
        )
        .validate(attributes::jwks_uri()),
    )
    .attr(
        computed(
            DISCOVERY_KEY,
            "Object key of the discovery document: `[<prefix>/].well-known/openid-configuration`; with \
             `hosting = \"external\"`, its path below the issuer URL, `.well-known/openid-configuration`.",
        )
        .use_state_for_unknown(),
    )
    .attr(computed(
        JWKS_KEY,
        "Object key where the JWKS belongs (`[<prefix>/]<jwks_path>`), e.g. for `irsa_jwks`; with \
         `hosting = \"external\"`, the path of `jwks_uri` below the issuer URL (e.g. `openid/v1/jwks`), null \
         when the JWKS is served elsewhere.",
    ))
    .attr(
        computed(
            OIDC_PROVIDER_ARN,
            "ARN of the IAM OpenID Connect provider, the `Federated` principal of role trust policies.",
        )
        .use_state_for_unknown(),
    )
    .attr(computed(BUCKET_ARN, "ARN of the bucket; null with `hosting = \"external\"`.").use_state_for_unknown())
    .attr(computed(
        DISCOVERY_JSON,
        "The discovery document. In S3 it is the published object, and refresh reads it, so an edited or \
         deleted document shows as a change. With `hosting = \"external\"` it is what to serve at \
         `<issuer_url>/.well-known/openid-configuration`.",
    ))
    .attr(
        computed(
            DISTRIBUTION_ID,
            "With `hosting = \"cloudfront\"`: the id of the CloudFront distribution (`E...`), also the start of \
             the import id. Null for other hostings.",
        )
        .use_state_for_unknown(),
    )
    .attr(
        computed(
            DISTRIBUTION_ARN,
            "With `hosting = \"cloudfront\"`: the distribution's ARN, the `AWS:SourceArn` the bucket policy \
             allows. Null for other hostings.",
        )
        .use_state_for_unknown(),
    )
    .attr(
        computed(
            DISTRIBUTION_DOMAIN_NAME,
            "With `hosting = \"cloudfront\"`: the distribution's own domain, `<id>.cloudfront.net`, the issuer's \
             host when there are no aliases (point the aliases' DNS records at it). Null for other hostings.",
        )
        .use_state_for_unknown(),
    )
    .attr(
        computed(
            ORIGIN_ACCESS_CONTROL_ID,
            "With `hosting = \"cloudfront\"`: the Origin Access Control through which the distribution reads the \
             bucket (S3, SigV4, signing always), named `irsa-<bucket>[-<tag>]`. Null for other hostings.",
        )
        .use_state_for_unknown(),
    )
    .attr(computed(
        DISTRIBUTION_SETTINGS,
        "With `hosting = \"cloudfront\"`: the distribution's settings this issuer manages, as JSON (the origin \
         and its Origin Access Control, the default cache behaviour, the aliases, the certificate, the price \
         class, the web ACL, `enabled`). Refresh reads them back (GetDistribution and GetOriginAccessControl), so \
         a change made outside Terraform shows as a change, and the next apply puts them back with the \
         distribution's ETag. Null for other hostings.",
    ))
    .attr(computed(
        BUCKET_POLICY_STATEMENTS,
        "This issuer's statements in the bucket policy, as a JSON array: public `s3:GetObject` on the discovery \
         document and the JWKS only, and a `Deny` of requests without TLS (on the whole bucket when it is \
         created here, else on those two objects). Refresh reads them back, so removed or edited statements \
         show as a change. Behind CloudFront the read statement allows only `cloudfront.amazonaws.com`, \
         with `AWS:SourceArn` equal to this issuer's distribution. Null with `hosting = \"external\"`.",
    ))
    .block(CLOUDFRONT, cloudfront_block());
    ResourceSchema::new(block)
}

/// The `cloudfront` block: the distribution's own choices.
fn cloudfront_block() -> BlockSpec {
    use crate::domain::cloudfront::{self as cf, PriceClass};
    use Mode::{Optional, OptionalComputed};
    BlockSpec::new(
        "With `hosting = \"cloudfront\"` only (refused otherwise): the distribution's own settings. Without the \
         block, the issuer is served at the distribution's domain, `https://<id>.cloudfront.net[/<prefix>]`, from \
         every edge location, and apply waits for the deployment.",
    )
    .attr(
        Attr::string_list(
            ALIASES,
            Optional,
            "Host names the distribution answers to, e.g. `[\"oidc.example.com\"]`. The first one is the \
             issuer's host: `https://<first alias>[/<prefix>]`. Needs `acm_certificate_arn` for a certificate that \
             covers them. No wildcards, lower case. Changing the first alias changes the issuer URL, and so \
             the IAM OIDC provider, which is made anew for it.",
        )
        .validate(each(rule(cf::validate_alias))),
    )
    .attr(
        Attr::string(
            ACM_CERTIFICATE_ARN,
            Optional,
            "ARN of the ACM certificate the aliases are served with. CloudFront takes certificates from \
             us-east-1 only: a certificate in any other region is refused at plan. Viewers get TLS 1.2 or \
             later, by SNI.",
        )
        .validate(rule(cf::validate_certificate_arn)),
    )
    .attr(
        Attr::string(
            PRICE_CLASS,
            OptionalComputed,
            &format!(
                "Which edge locations serve the issuer: {}. Default `PriceClass_All`. STS fetches the \
                 documents rarely, so the cheapest class costs the same as the others.",
                validator::backticked(&PriceClass::NAMES)
            ),
        )
        .default(Value::string(PriceClass::All.name()))
        .validate(rule(|s: &str| cf::PriceClass::parse(s).map(|_| ()))),
    )
    .attr(
        Attr::string(
            WEB_ACL_ID,
            Optional,
            "An AWS WAF web ACL for the distribution: the ARN of a WAF (v2) web ACL with scope CLOUDFRONT, or the \
             id of a WAF Classic one. A rule that blocks STS's fetches breaks every pod's credentials.",
        )
        .validate(rule(cf::validate_web_acl_id)),
    )
    .attr(
        Attr::bool(
            WAIT_FOR_DEPLOYMENT,
            OptionalComputed,
            "Wait, after a create or change of the distribution, until CloudFront reports it `Deployed` (at \
             most 30 minutes, each look logged at DEBUG), as hashicorp/aws's `wait_for_deployment` does. Default \
             `true`: a pod may then use the issuer as soon as apply ends. Destroy always waits, since CloudFront \
             deletes only a disabled distribution that is deployed.",
        )
        .default(Value::Bool(true)),
    )
}
