//! The typed model of `irsa_jwks`: one conversion from a [`Value`] and one
//! back, and the state an S3 object gives.

use std::collections::BTreeSet;

use crate::aws::s3::TextObject;
use crate::domain::jwks::Jwks;
use crate::framework::model as m;
use crate::tfplugin::Value;

use super::schema::*;
use crate::cluster::ClusterModel;

/// An `irsa_jwks` configuration, plan or state. `None` is null (or, in a
/// plan, unknown).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JwksModel {
    pub id: Option<String>,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub region: Option<String>,
    pub public_keys_pem: Option<Vec<String>>,
    pub include_legacy_empty_kid: Option<bool>,
    pub issuer_signing_algorithms: Option<BTreeSet<String>>,
    pub cluster: Option<ClusterModel>,
    pub json: Option<String>,
    pub kids: Option<Vec<String>>,
    pub algorithms: Option<Vec<String>>,
    pub etag: Option<String>,
}

impl JwksModel {
    pub fn from_value(v: &Value) -> JwksModel {
        JwksModel {
            id: m::string(v, ID),
            bucket: m::string(v, BUCKET),
            key: m::string(v, KEY),
            region: m::string(v, REGION),
            public_keys_pem: m::string_list(v, PUBLIC_KEYS_PEM),
            include_legacy_empty_kid: m::bool(v, INCLUDE_LEGACY_EMPTY_KID),
            issuer_signing_algorithms: m::string_set(v, ISSUER_SIGNING_ALGORITHMS),
            cluster: ClusterModel::from_value(v.attr(CLUSTER)),
            json: m::string(v, JSON),
            kids: m::string_list(v, KIDS),
            algorithms: m::string_list(v, ALGORITHMS),
            etag: m::string(v, ETAG),
        }
    }

    pub fn to_value(&self) -> Value {
        m::object([
            (ID, m::opt_string(self.id.as_deref())),
            (BUCKET, m::opt_string(self.bucket.as_deref())),
            (KEY, m::opt_string(self.key.as_deref())),
            (REGION, m::opt_string(self.region.as_deref())),
            (
                PUBLIC_KEYS_PEM,
                m::list_value(self.public_keys_pem.as_deref()),
            ),
            (
                INCLUDE_LEGACY_EMPTY_KID,
                self.include_legacy_empty_kid
                    .map_or(Value::Null, Value::Bool),
            ),
            (
                ISSUER_SIGNING_ALGORITHMS,
                m::set_value(self.issuer_signing_algorithms.as_ref()),
            ),
            (
                CLUSTER,
                self.cluster
                    .as_ref()
                    .map_or(Value::Null, ClusterModel::to_value),
            ),
            (JSON, m::opt_string(self.json.as_deref())),
            (KIDS, m::list_value(self.kids.as_deref())),
            (ALGORITHMS, m::list_value(self.algorithms.as_deref())),
            (ETAG, m::opt_string(self.etag.as_deref())),
        ])
    }

    /// `<bucket>/<key>`, once both are known.
    pub fn object_id(&self) -> Option<String> {
        Some(format!("{}/{}", self.bucket.as_ref()?, self.key.as_ref()?))
    }

    /// Record a document: its text, kids and algorithms.
    pub fn with_document(mut self, doc: &Jwks) -> JwksModel {
        self.json = Some(doc.to_json());
        self.kids = Some(doc.kids());
        self.algorithms = Some(doc.algorithms());
        self
    }

    /// The state for what the bucket holds. The document is kept byte for
    /// byte; kids and algorithms are empty when it is not a key set.
    pub fn with_object(mut self, object: TextObject) -> JwksModel {
        let served: Option<Jwks> = serde_json::from_str(&object.text).ok();
        if self.include_legacy_empty_kid.is_none() {
            let legacy = served
                .as_ref()
                .is_some_and(|d| d.keys.iter().any(|k| k.kid.is_none()));
            self.include_legacy_empty_kid = Some(legacy);
        }
        self.kids = Some(served.as_ref().map(Jwks::kids).unwrap_or_default());
        self.algorithms = Some(served.as_ref().map(Jwks::algorithms).unwrap_or_default());
        self.json = Some(object.text);
        self.etag = object.etag;
        self
    }
}
