//! `irsa_jwks`: the issuer's key set, built from PEM public keys and/or
//! pulled from a running cluster, published as one S3 object.
//!
//! The cluster is read at plan time, so an unreachable cluster or a missing
//! secret stops the plan, and a key rotated in the cluster shows up as a
//! planned change with the new kids. When the cluster settings are not known
//! yet (the cluster is created in the same run), the document is planned as
//! known after apply and built at apply. Refresh reads only the object (one
//! GetObject): it is what AWS serves that drifts.

mod apply;
pub mod model;
mod plan;
pub mod schema;
#[cfg(test)]
mod tests;

use crate::context::ProviderData;
use crate::framework::{Change, ManagedResource, Plan, ResourceSchema};
use crate::tfplugin::{CancellationToken, Diagnostics, Value};

pub struct JwksObject;

#[async_trait::async_trait]
impl ManagedResource<ProviderData> for JwksObject {
    fn type_name(&self) -> &'static str {
        "irsa_jwks"
    }

    fn schema(&self) -> ResourceSchema {
        schema::schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        schema::validate_config(config, diags);
    }

    async fn modify_plan(&self, data: &ProviderData, p: &mut Plan, diags: &mut Diagnostics) {
        plan::modify(data, p, diags).await;
    }

    async fn create(&self, data: &ProviderData, c: Change<'_>, diags: &mut Diagnostics) -> Value {
        apply::write(data, c, diags).await
    }

    async fn read(
        &self,
        data: &ProviderData,
        state: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        apply::read(data, state, diags).await
    }

    async fn update(&self, data: &ProviderData, c: Change<'_>, diags: &mut Diagnostics) -> Value {
        apply::write(data, c, diags).await
    }

    async fn delete(
        &self,
        data: &ProviderData,
        prior: Value,
        _stop: &CancellationToken,
        diags: &mut Diagnostics,
    ) -> Value {
        apply::delete(data, prior, diags).await
    }

    async fn import(
        &self,
        data: &ProviderData,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        apply::import(data, id, diags).await
    }
}
