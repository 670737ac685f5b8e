//! `irsa_apiserver_flags`: the kube-apiserver flags for an issuer, rendered
//! for kubeadm, TKGm (ytt), Talos and k3s/RKE2. No I/O.

use crate::attributes;
use crate::context::ProviderData;
use crate::domain::flags::{self, FlagsInput};
use crate::framework::{ManagedDataSource, ResourceSchema};
use crate::tfplugin::{
    AttrPath, Attribute, Block, Diagnostic, Diagnostics, Mode, Schema, Type, Value,
};

pub struct ApiserverFlags;

pub fn schema() -> Schema {
    let s = |name: &str, mode, desc: &str| Attribute::new(name, Type::String, mode, desc);
    let l =
        |name: &str, mode, desc: &str| Attribute::new(name, Type::list(Type::String), mode, desc);
    Schema {
        version: 0,
        block: Block {
            description: "Renders the kube-apiserver flags that make the cluster sign service-account tokens for a \
                          public issuer, in the formats of the common installers. Repeated flags (several issuers or \
                          key files) are kept in list formats (`flags`, `kubeadm_v1beta4`, `k3s_config`); the map \
                          formats (`kubeadm_v1beta3`, `ytt_overlay`, `talos_patch`) can hold one value per flag, keep \
                          the first, and say in a YAML comment which values they had to leave out."
                .into(),
            attributes: vec![
                s(
                    "issuer_url",
                    Mode::Required,
                    "The public issuer URL, e.g. `irsa_issuer.this.issuer_url`. Must be `https://`, with no trailing \
                     slash, query or fragment: IAM and the apiserver compare it byte for byte.",
                ),
                s(
                    "jwks_uri",
                    Mode::Optional,
                    "Public URL of the JWKS, for `--service-account-jwks-uri`; e.g. `irsa_issuer.this.jwks_uri`.",
                ),
                l(
                    "previous_issuers",
                    Mode::OptionalComputed,
                    "Issuers the cluster used before, still accepted so that existing tokens stay valid; they come \
                     after the new issuer. Default `[\"https://kubernetes.default.svc.cluster.local\"]`, the kubeadm \
                     default. Set `[]` for a new cluster.",
                ),
                l(
                    "api_audiences",
                    Mode::OptionalComputed,
                    "Audiences the apiserver accepts (`--api-audiences`). Default: the previous issuers followed by \
                     the new issuer, because existing in-cluster tokens carry the old issuer as audience, so the \
                     migration breaks no running pod.",
                ),
                s(
                    "signing_key_file",
                    Mode::Optional,
                    "Path on the control-plane node of the private key that signs tokens \
                     (`--service-account-signing-key-file`).",
                ),
                l(
                    "key_files",
                    Mode::Optional,
                    "Paths on the control-plane node of the public keys that verify tokens \
                     (`--service-account-key-file`, repeated).",
                ),
                l("flags", Mode::Computed, "The flags as `--name=value`, the new issuer first."),
                s(
                    "kubeadm_v1beta3",
                    Mode::Computed,
                    "A kubeadm `ClusterConfiguration` (v1beta3) with `apiServer.extraArgs` as a map.",
                ),
                s(
                    "kubeadm_v1beta4",
                    Mode::Computed,
                    "A kubeadm `ClusterConfiguration` (v1beta4, kubeadm 1.31+) with `apiServer.extraArgs` as a list, \
                     which keeps repeated flags.",
                ),
                s(
                    "ytt_overlay",
                    Mode::Computed,
                    "A ytt overlay for TKGm that adds the flags to the `KubeadmControlPlane` of new clusters.",
                ),
                s(
                    "talos_patch",
                    Mode::Computed,
                    "A Talos machine-config patch setting `cluster.apiServer.extraArgs`.",
                ),
                s("k3s_config", Mode::Computed, "A k3s/RKE2 `config.yaml` fragment with `kube-apiserver-arg`."),
            ],
            blocks: vec![],
        },
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_string_vec().unwrap_or_default()
}

#[async_trait::async_trait]
impl ManagedDataSource<ProviderData> for ApiserverFlags {
    fn type_name(&self) -> &'static str {
        "irsa_apiserver_flags"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::from_schema(schema())
            .validate_attr("issuer_url", attributes::issuer_url())
            .validate_attr("jwks_uri", attributes::jwks_uri())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        for name in ["previous_issuers", "api_audiences", "key_files"] {
            for (i, v) in config
                .attr(name)
                .as_elements()
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                if let Some(s) = v.as_str() {
                    if s.is_empty()
                        || s.contains(char::is_whitespace)
                        || s.contains(',') && name == "api_audiences"
                    {
                        diags.push(
                            Diagnostic::error(
                                "Invalid value",
                                format!("{s:?} must be non-empty, without whitespace or commas."),
                            )
                            .at(AttrPath::attr(name).then_index(i)),
                        );
                    }
                }
            }
        }
    }

    async fn read(&self, _: &ProviderData, config: Value, _: &mut Diagnostics) -> Value {
        let issuer_url = config
            .attr("issuer_url")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let previous_issuers = match config.attr("previous_issuers") {
            Value::Null => vec![flags::DEFAULT_PREVIOUS_ISSUER.to_owned()],
            v => strings(v),
        };
        let api_audiences = match config.attr("api_audiences") {
            Value::Null => flags::default_api_audiences(&issuer_url, &previous_issuers),
            v => strings(v),
        };
        let input = FlagsInput {
            issuer_url,
            jwks_uri: config.attr("jwks_uri").as_str().map(str::to_owned),
            previous_issuers: previous_issuers.clone(),
            api_audiences: Some(api_audiences.clone()),
            signing_key_file: config.attr("signing_key_file").as_str().map(str::to_owned),
            key_files: strings(config.attr("key_files")),
        };
        let f = flags::apiserver_flags(&input);
        let mut state = config;
        state.set_attr("previous_issuers", Value::strings(previous_issuers));
        state.set_attr("api_audiences", Value::strings(api_audiences));
        state.set_attr("flags", Value::strings(flags::flag_args(&f)));
        state.set_attr("kubeadm_v1beta3", Value::string(flags::kubeadm_v1beta3(&f)));
        state.set_attr("kubeadm_v1beta4", Value::string(flags::kubeadm_v1beta4(&f)));
        state.set_attr("ytt_overlay", Value::string(flags::ytt_overlay(&f)));
        state.set_attr("talos_patch", Value::string(flags::talos_patch(&f)));
        state.set_attr("k3s_config", Value::string(flags::k3s_config(&f)));
        state
    }
}
