//! The tfplugin6 gRPC service over the protocol-free [`Provider`] traits.
//! The go-plugin side services and the transport are in
//! [`super::go_plugin`]; [`router`] and [`serve`] are re-exported here.
//!
//! Calls are dispatched on the resource or data source type name. A
//! `StopProvider` call cancels work in flight: refreshes, plans, imports and
//! data source reads are abandoned with an error diagnostic; applies receive
//! the signal through [`ApplyRequest::stop`] so that they can return the true
//! state of what they already created.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use tonic::{Request, Response, Status};
use tracing::Instrument as _;

use super::function::{self, Function, FunctionError, Signature};
use super::proto::{self, provider_server};
use super::{diag, schema};
use super::{
    ApplyRequest, CancellationToken, DataSource, Diagnostic, Diagnostics, PlanRequest, Provider,
    Resource, Schema, Type, Value,
};

struct Entry<T: ?Sized> {
    imp: Arc<T>,
    schema: Schema,
    ty: Type,
}

struct Inner<P: Provider> {
    provider: P,
    provider_schema: Schema,
    provider_type: Type,
    resources: BTreeMap<&'static str, Entry<dyn Resource<P::Data>>>,
    data_sources: BTreeMap<&'static str, Entry<dyn DataSource<P::Data>>>,
    functions: BTreeMap<&'static str, (Arc<dyn Function>, Signature)>,
    data: RwLock<Option<Arc<P::Data>>>,
    stop: Mutex<CancellationToken>,
}

/// The tfplugin6 `Provider` service.
pub struct ProviderService<P: Provider> {
    inner: Arc<Inner<P>>,
}

impl<P: Provider> Clone for ProviderService<P> {
    fn clone(&self) -> Self {
        ProviderService {
            inner: self.inner.clone(),
        }
    }
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P) -> ProviderService<P> {
        let provider_schema = provider.schema();
        let resources = provider
            .resources()
            .into_iter()
            .map(|imp| {
                let schema = imp.schema();
                let ty = schema.value_type();
                (imp.type_name(), Entry { imp, schema, ty })
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|imp| {
                let schema = imp.schema();
                let ty = schema.value_type();
                (imp.type_name(), Entry { imp, schema, ty })
            })
            .collect();
        let functions = provider
            .functions()
            .into_iter()
            .map(|f| {
                let sig = f.signature();
                (f.name(), (f, sig))
            })
            .collect();
        ProviderService {
            inner: Arc::new(Inner {
                provider_type: provider_schema.value_type(),
                provider_schema,
                provider,
                resources,
                data_sources,
                functions,
                data: RwLock::new(None),
                stop: Mutex::new(CancellationToken::new()),
            }),
        }
    }

    fn stop_token(&self) -> CancellationToken {
        self.inner.stop.lock().expect("stop lock").clone()
    }

    fn data(&self) -> Result<Arc<P::Data>, Diagnostics> {
        self.inner
            .data
            .read()
            .expect("data lock")
            .clone()
            .ok_or_else(|| {
                Diagnostic::error(
                "Provider not configured",
                "Terraform called the provider before configuring it. This is a bug in the caller.",
            )
            .into()
            })
    }

    fn function_signatures(&self) -> std::collections::HashMap<String, proto::Function> {
        self.inner
            .functions
            .iter()
            .map(|(n, (_, sig))| (n.to_string(), function::to_proto(sig)))
            .collect()
    }

    fn resource(&self, name: &str) -> Result<&Entry<dyn Resource<P::Data>>, Diagnostics> {
        self.inner
            .resources
            .get(name)
            .ok_or_else(|| unknown_type("resource", name))
    }

    fn data_source(&self, name: &str) -> Result<&Entry<dyn DataSource<P::Data>>, Diagnostics> {
        self.inner
            .data_sources
            .get(name)
            .ok_or_else(|| unknown_type("data source", name))
    }
}

fn arguments(n: usize) -> String {
    match n {
        1 => "1 argument".to_owned(),
        n => format!("{n} arguments"),
    }
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type {name:?}."),
    )
    .into()
}

fn cancelled() -> Diagnostics {
    Diagnostic::error(
        "Cancelled",
        "Terraform asked the provider to stop before this operation finished.",
    )
    .into()
}

/// Decode a DynamicValue; a missing one is null.
fn decode(dv: Option<proto::DynamicValue>, ty: &Type) -> Result<Value, Diagnostics> {
    let Some(dv) = dv else { return Ok(Value::Null) };
    let decoded = if !dv.msgpack.is_empty() {
        Value::from_msgpack(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        Value::from_json(&dv.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|e| Diagnostic::error("Malformed value from Terraform", e.to_string()).into())
}

fn encode(v: &Value) -> Option<proto::DynamicValue> {
    Some(proto::DynamicValue {
        msgpack: v.to_msgpack(),
        json: Vec::new(),
    })
}

fn diags_out(d: Diagnostics) -> Vec<proto::Diagnostic> {
    diag::to_proto(d)
}

fn unsupported(what: &str) -> Vec<proto::Diagnostic> {
    diags_out(Diagnostic::error("Unsupported", format!("This provider has no {what}.")).into())
}

/// Run `fut` unless the stop token fires first.
async fn or_stop<T>(
    stop: &CancellationToken,
    fut: impl std::future::Future<Output = T>,
) -> Option<T> {
    tokio::select! {
        out = fut => Some(out),
        _ = stop.cancelled() => None,
    }
}

type Rsp<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl<P: Provider> provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _: Request<proto::get_metadata::Request>,
    ) -> Rsp<proto::get_metadata::Response> {
        use proto::get_metadata as m;
        Ok(Response::new(m::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: vec![],
            data_sources: self
                .inner
                .data_sources
                .keys()
                .map(|n| m::DataSourceMetadata {
                    type_name: (*n).into(),
                })
                .collect(),
            resources: self
                .inner
                .resources
                .keys()
                .map(|n| m::ResourceMetadata {
                    type_name: (*n).into(),
                })
                .collect(),
            functions: self
                .inner
                .functions
                .keys()
                .map(|n| m::FunctionMetadata { name: (*n).into() })
                .collect(),
            ephemeral_resources: vec![],
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<proto::get_provider_schema::Request>,
    ) -> Rsp<proto::get_provider_schema::Response> {
        let inner = &self.inner;
        Ok(Response::new(proto::get_provider_schema::Response {
            provider: Some(schema::to_proto(&inner.provider_schema)),
            resource_schemas: inner
                .resources
                .iter()
                .map(|(n, e)| (n.to_string(), schema::to_proto(&e.schema)))
                .collect(),
            data_source_schemas: inner
                .data_sources
                .iter()
                .map(|(n, e)| (n.to_string(), schema::to_proto(&e.schema)))
                .collect(),
            diagnostics: vec![],
            provider_meta: None,
            server_capabilities: Some(capabilities()),
            functions: self.function_signatures(),
            ephemeral_resource_schemas: Default::default(),
        }))
    }

    async fn validate_provider_config(
        &self,
        req: Request<proto::validate_provider_config::Request>,
    ) -> Rsp<proto::validate_provider_config::Response> {
        let mut diags = Diagnostics::new();
        match decode(req.into_inner().config, &self.inner.provider_type) {
            Ok(config) => self.inner.provider.validate(&config, &mut diags),
            Err(d) => diags.extend(d),
        }
        Ok(Response::new(proto::validate_provider_config::Response {
            diagnostics: diags_out(diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        req: Request<proto::validate_resource_config::Request>,
    ) -> Rsp<proto::validate_resource_config::Response> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        match self
            .resource(&req.type_name)
            .and_then(|e| Ok((e, decode(req.config, &e.ty)?)))
        {
            Ok((e, config)) => e.imp.validate(&config, &mut diags),
            Err(d) => diags.extend(d),
        }
        Ok(Response::new(proto::validate_resource_config::Response {
            diagnostics: diags_out(diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<proto::validate_data_resource_config::Request>,
    ) -> Rsp<proto::validate_data_resource_config::Response> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        match self
            .data_source(&req.type_name)
            .and_then(|e| Ok((e, decode(req.config, &e.ty)?)))
        {
            Ok((e, config)) => e.imp.validate(&config, &mut diags),
            Err(d) => diags.extend(d),
        }
        Ok(Response::new(
            proto::validate_data_resource_config::Response {
                diagnostics: diags_out(diags),
            },
        ))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<proto::upgrade_resource_state::Request>,
    ) -> Rsp<proto::upgrade_resource_state::Response> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let upgraded = (|| {
            let entry = self.resource(&req.type_name)?;
            if req.version > entry.schema.version {
                return Err(Diagnostic::error(
                    "State written by a newer provider",
                    format!(
                        "The state of this {} has schema version {}, but this provider knows versions up to {}. \
                         Upgrade the provider.",
                        req.type_name, req.version, entry.schema.version
                    ),
                )
                .into());
            }
            let raw = req.raw_state.unwrap_or_default();
            if raw.json.is_empty() {
                return Err(Diagnostic::error(
                    "Unsupported state format",
                    "The stored state is in the legacy flatmap format, which this provider never wrote.",
                )
                .into());
            }
            let json: serde_json::Value = serde_json::from_slice(&raw.json)
                .map_err(|e| Diagnostic::error("Unreadable stored state", e.to_string()))?;
            let v = entry.imp.upgrade(req.version, json, &mut diags);
            Ok(v.conform(&entry.ty))
        })();
        let upgraded = match upgraded {
            Ok(v) if !diags.has_errors() => encode(&v),
            Ok(_) => None,
            Err(d) => {
                diags.extend(d);
                None
            }
        };
        Ok(Response::new(proto::upgrade_resource_state::Response {
            upgraded_state: upgraded,
            diagnostics: diags_out(diags),
        }))
    }

    async fn configure_provider(
        &self,
        req: Request<proto::configure_provider::Request>,
    ) -> Rsp<proto::configure_provider::Response> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        match decode(req.config, &self.inner.provider_type) {
            Ok(config) => {
                if let Some(data) = self
                    .inner
                    .provider
                    .configure(&req.terraform_version, &config, &mut diags)
                    .await
                {
                    *self.inner.data.write().expect("data lock") = Some(Arc::new(data));
                }
            }
            Err(d) => diags.extend(d),
        }
        Ok(Response::new(proto::configure_provider::Response {
            diagnostics: diags_out(diags),
        }))
    }

    async fn read_resource(
        &self,
        req: Request<proto::read_resource::Request>,
    ) -> Rsp<proto::read_resource::Response> {
        let req = req.into_inner();
        let span = super::log::rpc_span("ReadResource", &req.type_name);
        let private = req.private.clone();
        let mut diags = Diagnostics::new();
        let new_state = async {
            let entry = self.resource(&req.type_name)?;
            let state = decode(req.current_state, &entry.ty)?;
            let data = self.data()?;
            let stop = self.stop_token();
            match or_stop(&stop, entry.imp.read(&data, state.clone(), &mut diags)).await {
                Some(Some(v)) => Ok(v.conform(&entry.ty)),
                Some(None) => Ok(Value::Null),
                // Keep the old state: a cancelled refresh must not drop it.
                None => {
                    diags.extend(cancelled());
                    Ok(state)
                }
            }
        }
        .instrument(span)
        .await;
        let new_state = match new_state {
            Ok(v) => encode(&v),
            Err(d) => {
                diags.extend(d);
                None
            }
        };
        Ok(Response::new(proto::read_resource::Response {
            new_state,
            diagnostics: diags_out(diags),
            private,
            deferred: None,
        }))
    }

    async fn plan_resource_change(
        &self,
        req: Request<proto::plan_resource_change::Request>,
    ) -> Rsp<proto::plan_resource_change::Response> {
        let req = req.into_inner();
        let span = super::log::rpc_span("PlanResourceChange", &req.type_name);
        let private = req.prior_private.clone();
        let mut diags = Diagnostics::new();
        let planned = async {
            let entry = self.resource(&req.type_name)?;
            let prior = decode(req.prior_state, &entry.ty)?;
            let proposed = decode(req.proposed_new_state, &entry.ty)?;
            let config = decode(req.config, &entry.ty)?;
            if proposed.is_null() {
                return Ok((Value::Null, vec![]));
            }
            let data = self.data()?;
            let stop = self.stop_token();
            let plan = entry.imp.plan(
                &data,
                PlanRequest {
                    prior,
                    proposed,
                    config,
                },
                &mut diags,
            );
            match or_stop(&stop, plan).await {
                Some(p) => Ok((p.state.conform(&entry.ty), p.requires_replace)),
                None => Err(cancelled()),
            }
        }
        .instrument(span)
        .await;
        let (planned_state, requires_replace) = match planned {
            Ok((v, rr)) if !diags.has_errors() => {
                (encode(&v), rr.iter().map(diag::path_to_proto).collect())
            }
            Ok(_) => (None, vec![]),
            Err(d) => {
                diags.extend(d);
                (None, vec![])
            }
        };
        Ok(Response::new(proto::plan_resource_change::Response {
            planned_state,
            requires_replace,
            planned_private: private,
            diagnostics: diags_out(diags),
            legacy_type_system: false,
            deferred: None,
        }))
    }

    async fn apply_resource_change(
        &self,
        req: Request<proto::apply_resource_change::Request>,
    ) -> Rsp<proto::apply_resource_change::Response> {
        let req = req.into_inner();
        let span = super::log::rpc_span("ApplyResourceChange", &req.type_name);
        let private = req.planned_private.clone();
        let mut diags = Diagnostics::new();
        let new_state = async {
            let entry = self.resource(&req.type_name)?;
            let prior = decode(req.prior_state, &entry.ty)?;
            let planned = decode(req.planned_state, &entry.ty)?;
            let config = decode(req.config, &entry.ty)?;
            let data = self.data()?;
            // Not raced against the stop token: the resource stops at a safe
            // point and reports what exists.
            let stop = self.stop_token();
            let v = entry
                .imp
                .apply(
                    &data,
                    ApplyRequest {
                        prior,
                        planned,
                        config,
                        stop,
                    },
                    &mut diags,
                )
                .await;
            Ok::<_, Diagnostics>(v.conform(&entry.ty))
        }
        .instrument(span)
        .await;
        let new_state = match new_state {
            Ok(v) => encode(&v),
            Err(d) => {
                diags.extend(d);
                None
            }
        };
        Ok(Response::new(proto::apply_resource_change::Response {
            new_state,
            private,
            diagnostics: diags_out(diags),
            legacy_type_system: false,
        }))
    }

    async fn import_resource_state(
        &self,
        req: Request<proto::import_resource_state::Request>,
    ) -> Rsp<proto::import_resource_state::Response> {
        let req = req.into_inner();
        let span = super::log::rpc_span("ImportResourceState", &req.type_name);
        let mut diags = Diagnostics::new();
        let imported = async {
            let entry = self.resource(&req.type_name)?;
            let data = self.data()?;
            let stop = self.stop_token();
            match or_stop(&stop, entry.imp.import(&data, &req.id, &mut diags)).await {
                Some(Some(v)) => Ok(vec![proto::import_resource_state::ImportedResource {
                    type_name: req.type_name.clone(),
                    state: encode(&v.conform(&entry.ty)),
                    private: vec![],
                }]),
                Some(None) => Err(Diagnostic::error(
                    "Cannot import non-existent remote object",
                    format!("No {} was found for import id {:?}.", req.type_name, req.id),
                )
                .into()),
                None => Err(cancelled()),
            }
        }
        .instrument(span)
        .await;
        let imported_resources = match imported {
            Ok(r) if !diags.has_errors() => r,
            Ok(_) => vec![],
            Err(d) => {
                diags.extend(d);
                vec![]
            }
        };
        Ok(Response::new(proto::import_resource_state::Response {
            imported_resources,
            diagnostics: diags_out(diags),
            deferred: None,
        }))
    }

    async fn move_resource_state(
        &self,
        _: Request<proto::move_resource_state::Request>,
    ) -> Rsp<proto::move_resource_state::Response> {
        Ok(Response::new(proto::move_resource_state::Response {
            target_state: None,
            diagnostics: unsupported("support for moving state from other resource types"),
            target_private: vec![],
        }))
    }

    async fn read_data_source(
        &self,
        req: Request<proto::read_data_source::Request>,
    ) -> Rsp<proto::read_data_source::Response> {
        let req = req.into_inner();
        let span = super::log::rpc_span("ReadDataSource", &req.type_name);
        let mut diags = Diagnostics::new();
        let state = async {
            let entry = self.data_source(&req.type_name)?;
            let config = decode(req.config, &entry.ty)?;
            let data = self.data()?;
            let stop = self.stop_token();
            match or_stop(&stop, entry.imp.read(&data, config, &mut diags)).await {
                Some(v) => Ok(v.conform(&entry.ty)),
                None => Err(cancelled()),
            }
        }
        .instrument(span)
        .await;
        let state = match state {
            Ok(v) if !diags.has_errors() => encode(&v),
            Ok(_) => None,
            Err(d) => {
                diags.extend(d);
                None
            }
        };
        Ok(Response::new(proto::read_data_source::Response {
            state,
            diagnostics: diags_out(diags),
            deferred: None,
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        _: Request<proto::validate_ephemeral_resource_config::Request>,
    ) -> Rsp<proto::validate_ephemeral_resource_config::Response> {
        Ok(Response::new(
            proto::validate_ephemeral_resource_config::Response {
                diagnostics: unsupported("ephemeral resources"),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        _: Request<proto::open_ephemeral_resource::Request>,
    ) -> Rsp<proto::open_ephemeral_resource::Response> {
        Ok(Response::new(proto::open_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resources"),
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        _: Request<proto::renew_ephemeral_resource::Request>,
    ) -> Rsp<proto::renew_ephemeral_resource::Response> {
        Ok(Response::new(proto::renew_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resources"),
            ..Default::default()
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        _: Request<proto::close_ephemeral_resource::Request>,
    ) -> Rsp<proto::close_ephemeral_resource::Response> {
        Ok(Response::new(proto::close_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resources"),
        }))
    }

    async fn get_functions(
        &self,
        _: Request<proto::get_functions::Request>,
    ) -> Rsp<proto::get_functions::Response> {
        Ok(Response::new(proto::get_functions::Response {
            functions: self.function_signatures(),
            diagnostics: vec![],
        }))
    }

    async fn call_function(
        &self,
        req: Request<proto::call_function::Request>,
    ) -> Rsp<proto::call_function::Response> {
        let req = req.into_inner();
        let refuse = |e: FunctionError| {
            Ok(Response::new(proto::call_function::Response {
                result: None,
                error: Some(proto::FunctionError {
                    text: e.text,
                    function_argument: e.argument.map(|i| i as i64),
                }),
            }))
        };
        let Some((f, sig)) = self.inner.functions.get(req.name.as_str()) else {
            return refuse(FunctionError {
                text: format!("This provider has no function {:?}.", req.name),
                argument: None,
            });
        };
        let mut args = Vec::with_capacity(req.arguments.len());
        for (i, dv) in req.arguments.into_iter().enumerate() {
            let Some(ty) = function::argument_type(sig, i) else {
                return refuse(FunctionError {
                    text: format!(
                        "{} takes at most {} arguments.",
                        req.name,
                        sig.parameters.len()
                    ),
                    argument: Some(i),
                });
            };
            match decode(Some(dv), ty) {
                Ok(v) => args.push(v),
                Err(_) => {
                    return refuse(FunctionError::at(
                        i,
                        "The argument cannot be read as its declared type.",
                    ))
                }
            }
        }
        if args.len() < sig.parameters.len() {
            return refuse(FunctionError {
                text: format!("{} takes {}.", req.name, arguments(sig.parameters.len())),
                argument: None,
            });
        }
        match f.call(&args) {
            Ok(v) => Ok(Response::new(proto::call_function::Response {
                result: encode(&v),
                error: None,
            })),
            Err(e) => refuse(e),
        }
    }

    async fn stop_provider(
        &self,
        _: Request<proto::stop_provider::Request>,
    ) -> Rsp<proto::stop_provider::Response> {
        tracing::info!("stop requested: cancelling operations in flight");
        let mut token = self.inner.stop.lock().expect("stop lock");
        token.cancel();
        *token = CancellationToken::new();
        Ok(Response::new(proto::stop_provider::Response {
            error: String::new(),
        }))
    }
}

fn capabilities() -> proto::ServerCapabilities {
    proto::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}

pub use super::go_plugin::{router, serve};
