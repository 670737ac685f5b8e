//! The Terraform plugin protocol (tfplugin6 over go-plugin), kept apart from
//! everything the provider does.
//!
//! This module is the only code that touches the generated protobuf types.
//! It offers the rest of the crate a small protocol-free surface:
//! [`Value`]s, a [`Schema`] model, [`Diagnostics`], and the [`Provider`],
//! [`Resource`] and [`DataSource`] traits that [`server`] dispatches to.

pub mod diag;
pub mod function;
pub mod go_plugin;
pub mod handshake;
pub mod log;
pub mod schema;
pub mod server;
pub mod value;

use std::sync::Arc;

pub use diag::{AttrPath, Diagnostic, Diagnostics, Severity};
pub use function::{Function, FunctionError, Parameter, Signature};
pub use schema::{
    Attribute, Block, BlockNesting, Mode, NestedBlock, NestedObject, ObjectNesting, Schema,
};
pub use tokio_util::sync::CancellationToken;
pub use value::{Type, Value};

/// Generated protocol types. Public only so that the in-process gRPC tests can
/// drive the server with the generated client; nothing else uses them.
#[doc(hidden)]
pub mod proto {
    tonic::include_proto!("tfplugin6");

    pub mod plugin {
        tonic::include_proto!("plugin");
    }
    pub mod health {
        tonic::include_proto!("grpc.health.v1");
    }
}

/// The provider itself: its own schema and configuration, and the resources
/// and data sources it serves.
#[async_trait::async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What `configure` produces and every resource call receives, e.g. the
    /// AWS clients.
    type Data: Send + Sync + 'static;

    fn schema(&self) -> Schema;
    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Data>>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Data>>>;
    /// Provider-defined functions; they need no configuration.
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }

    /// Check the provider block. Unknown values may appear here.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Configure from the provider block. Must not make network calls.
    async fn configure(
        &self,
        terraform_version: &str,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Self::Data>;
}

/// A plan request for one managed resource.
#[derive(Debug)]
pub struct PlanRequest {
    /// Null when the resource is being created.
    pub prior: Value,
    /// Terraform's proposal: the prior state with the configuration merged in.
    pub proposed: Value,
    pub config: Value,
}

/// A planned new state.
#[derive(Debug)]
pub struct Planned {
    pub state: Value,
    /// Attributes whose change forces replacement.
    pub requires_replace: Vec<AttrPath>,
}

/// An apply request for one managed resource.
#[derive(Debug)]
pub struct ApplyRequest {
    /// Null when the resource is being created.
    pub prior: Value,
    /// Null when the resource is being destroyed.
    pub planned: Value,
    pub config: Value,
    /// Cancelled when Terraform asks the provider to stop (Ctrl-C). An apply
    /// checks it between steps and returns the state of what exists so far.
    pub stop: CancellationToken,
}

/// A managed resource type.
#[async_trait::async_trait]
pub trait Resource<D>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;

    /// Check a configuration at validate time. Unknown values may appear.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Turn a state stored under an older schema `version` into the current
    /// shape (states from newer versions are refused before this is called).
    /// The default reads the stored JSON with the current schema, dropping any
    /// attribute that no longer exists.
    fn upgrade(&self, _version: i64, state: serde_json::Value, diags: &mut Diagnostics) -> Value {
        match Value::from_json_lenient(state, &self.schema().value_type()) {
            Ok(v) => v,
            Err(e) => {
                diags.push(Diagnostic::error("Unreadable stored state", e.to_string()));
                Value::Null
            }
        }
    }

    /// Plan a create or update (destroy plans never reach here).
    async fn plan(&self, data: &D, req: PlanRequest, diags: &mut Diagnostics) -> Planned;

    /// Create, update (planned non-null) or destroy (planned null). Returns
    /// the state that is true afterwards, also when it reports an error:
    /// whatever was created must be in it.
    async fn apply(&self, data: &D, req: ApplyRequest, diags: &mut Diagnostics) -> Value;

    /// Refresh. `None` means the object is gone and leaves state.
    async fn read(&self, data: &D, state: Value, diags: &mut Diagnostics) -> Option<Value>;

    /// The state for an import id; Terraform reads it right after.
    async fn import(&self, data: &D, id: &str, diags: &mut Diagnostics) -> Option<Value>;
}

/// A data source type.
#[async_trait::async_trait]
pub trait DataSource<D>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;

    /// Check a configuration at validate time. Unknown values may appear.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Compute the data source's state from a wholly known configuration.
    async fn read(&self, data: &D, config: Value, diags: &mut Diagnostics) -> Value;
}
