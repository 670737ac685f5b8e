//! The schema of `irsa_jwks`: attribute names, defaults, replacement,
//! validators and constraints, declared once.

use crate::attributes::{self, rule};
use crate::domain::discovery;
use crate::domain::keys;
use crate::framework::validator::each;
use crate::framework::{Attr, BlockSpec, ResourceSchema};
use crate::tfplugin::{AttrPath, Diagnostic, Diagnostics, Mode, Value};

use crate::cluster;

pub use crate::cluster::CLUSTER;

pub const ID: &str = "id";
pub const BUCKET: &str = "bucket";
pub const KEY: &str = "key";
pub const REGION: &str = "region";
pub const PUBLIC_KEYS_PEM: &str = "public_keys_pem";
pub const INCLUDE_LEGACY_EMPTY_KID: &str = "include_legacy_empty_kid";
pub const ISSUER_SIGNING_ALGORITHMS: &str = "issuer_signing_algorithms";
pub const JSON: &str = "json";
pub const KIDS: &str = "kids";
pub const ALGORITHMS: &str = "algorithms";
pub const ETAG: &str = "etag";

pub fn schema() -> ResourceSchema {
    use Mode::{Computed, Optional, Required};
    let block = BlockSpec::new(
        "Publishes the cluster's service-account signing keys as a JSON Web Key Set, at the object the issuer's \
         discovery document names in `jwks_uri`. The keys come from PEM (`public_keys_pem`), from a running \
         cluster (`cluster`), or both. In the two-phase flow (TKGm, Cluster API) create the issuer first, then the \
         cluster, then this resource with `count = var.cluster_created ? 1 : 0`.\n\n\
         **Ownership.** The object at `key` is this resource's: create writes it (the JWKS slot of an issuer is \
         never shared), update rewrites it only when the document changes, and destroy deletes it and nothing \
         else. `key` can never be an issuer's discovery document. The cluster is only read.",
    )
    .attr(Attr::string(ID, Computed, "`<bucket>/<key>`."))
    .attr(
        Attr::string(
            BUCKET,
            Required,
            "Bucket to publish to, normally `irsa_issuer.<name>.bucket`. Changing it moves the object. An issuer \
             with `hosting = \"external\"` has no bucket: render its key set with `irsa_jwks_document` and serve \
             it at the issuer's `jwks_uri`.",
        )
        .requires_replace()
        .validate(attributes::bucket()),
    )
    .attr(
        Attr::string(
            KEY,
            Required,
            "Object key, normally `irsa_issuer.<name>.jwks_key`. Never the issuer's discovery document \
             (`[<prefix>/].well-known/openid-configuration`). Changing it moves the object.",
        )
        .requires_replace()
        .validate(attributes::jwks_key()),
    )
    .attr(attributes::region_attr(
        "Region of the bucket, normally `irsa_issuer.<name>.region`. Default: the provider's region.",
    ))
    .attr(
        Attr::from_attribute(attributes::public_keys_pem_attribute(Optional))
            .describe_more(
                " Merged with the keys from `cluster`, de-duplicated by `kid`. To rotate: publish the old and new \
                 key together, switch the signer, then drop the old key.",
            )
            .validate(each(rule(|pem| keys::parse_public_keys_pem(pem).map(|_| ())))),
    )
    .attr(Attr::from_attribute(attributes::legacy_kid_attribute()).default(Value::Bool(false)))
    .attr(
        Attr::string_set(
            ISSUER_SIGNING_ALGORITHMS,
            Optional,
            "The algorithms the issuer advertises, normally `irsa_issuer.<name>.signing_algorithms`; plan warns \
             when a key's algorithm is not among them, since STS refuses such tokens. When unset, the discovery \
             document found next to `key` in the bucket is read instead, when the document changes.",
        )
        .validate(each(rule(discovery::validate_signing_algorithm))),
    )
    .attr(Attr::string(JSON, Computed, "The published document, byte for byte."))
    .attr(Attr::string_list(
        KIDS,
        Computed,
        "The key ids of the published document, in document order.",
    ))
    .attr(Attr::string_list(
        ALGORITHMS,
        Computed,
        "The signing algorithms of the published keys, sorted.",
    ))
    .attr(Attr::string(
        ETAG,
        Computed,
        "The ETag of the published object (without quotes). Changes whenever the object is written.",
    ))
    .block(
        CLUSTER,
        cluster::block(
            "Pull the service-account public keys from a running cluster, through the Kubernetes API. Connect \
             either with a kubeconfig (`config_path`, `config_context`) or with `host`, `token` and \
             `cluster_ca_certificate`. Set exactly one source: a `secret` block or `jwks_endpoint = true`. The \
             cluster is read at plan time; when these settings are not known until apply (the cluster is created \
             in the same run), the document is known after apply.",
            cluster::Keys::Required,
        ),
    );
    ResourceSchema::new(block)
}

/// The checks the schema cannot declare: some key source, where an empty
/// `public_keys_pem` counts as none (a constraint would count it as set),
/// and the cluster block's own cross-checks.
pub fn validate_config(config: &Value, diags: &mut Diagnostics) {
    let pem = config.attr(PUBLIC_KEYS_PEM);
    let no_pem = pem.is_null() || pem.as_elements().is_some_and(<[Value]>::is_empty);
    if no_pem && config.attr(CLUSTER).is_null() {
        diags.push(
            Diagnostic::error(
                "No keys to publish",
                "Set public_keys_pem, a cluster block, or both. For the two-phase flow, create this resource \
                 only once the cluster exists: count = var.cluster_created ? 1 : 0.",
            )
            .at(AttrPath::attr(PUBLIC_KEYS_PEM)),
        );
    }
    cluster::validate(config.attr(CLUSTER), diags);
}
