//! The managed-resource interface, as terraform-plugin-framework's
//! `resource.Resource`: a resource implements create, read, update, delete
//! and import; validation and the plan come from its schema, with one hook
//! for what the schema cannot say. [`Managed`] adapts it to the protocol
//! layer's [`tfplugin::Resource`].

use crate::tfplugin::{
    self, ApplyRequest, CancellationToken, Diagnostics, PlanRequest, Planned, Schema, Value,
};

use super::plan::{self, Plan};
use super::schema::ResourceSchema;
use super::validate::validate_block;

/// What create and update receive.
#[derive(Debug)]
pub struct Change<'a> {
    /// Null on create.
    pub prior: &'a Value,
    /// The planned new state, with values unknown at plan now known except
    /// for computed ones.
    pub planned: &'a Value,
    pub config: &'a Value,
    /// Cancelled when Terraform asks the provider to stop (Ctrl-C).
    pub stop: &'a CancellationToken,
}

/// A managed resource type. Every method returns the state that is true
/// afterwards, also when it reports an error: whatever exists must be in
/// it, and nothing that does not.
#[async_trait::async_trait]
pub trait ManagedResource<D>: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> ResourceSchema;

    /// Checks the schema cannot declare. Unknown values may appear.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Refine a plan derived from the schema. Runs only when the
    /// configuration passed validation.
    async fn modify_plan(&self, _data: &D, _plan: &mut Plan, _diags: &mut Diagnostics) {}

    /// Create from a plan; null when nothing was created.
    async fn create(&self, data: &D, change: Change<'_>, diags: &mut Diagnostics) -> Value;

    /// Refresh; `None` when the object is gone.
    async fn read(&self, data: &D, state: Value, diags: &mut Diagnostics) -> Option<Value>;

    /// Update in place.
    async fn update(&self, data: &D, change: Change<'_>, diags: &mut Diagnostics) -> Value;

    /// Delete; null when gone, else the state of what is left.
    async fn delete(
        &self,
        data: &D,
        prior: Value,
        stop: &CancellationToken,
        diags: &mut Diagnostics,
    ) -> Value;

    /// The state for an import id; Terraform reads it right after.
    async fn import(&self, data: &D, id: &str, diags: &mut Diagnostics) -> Option<Value>;
}

/// A [`ManagedResource`] served through the protocol layer.
pub struct Managed<R> {
    imp: R,
    schema: ResourceSchema,
}

impl<R> Managed<R> {
    pub fn new<D>(imp: R) -> Managed<R>
    where
        R: ManagedResource<D>,
    {
        let schema = imp.schema();
        Managed { imp, schema }
    }

    fn check(&self, config: &Value, diags: &mut Diagnostics) -> bool
    where
        R: Send + Sync,
    {
        let before = diags.has_errors();
        validate_block(&self.schema.block, config, None, diags);
        !before && !diags.has_errors()
    }
}

#[async_trait::async_trait]
impl<D, R> tfplugin::Resource<D> for Managed<R>
where
    D: Send + Sync + 'static,
    R: ManagedResource<D>,
{
    fn type_name(&self) -> &'static str {
        self.imp.type_name()
    }

    fn schema(&self) -> Schema {
        self.schema.to_schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_block(&self.schema.block, config, None, diags);
        self.imp.validate(config, diags);
    }

    async fn plan(&self, data: &D, req: PlanRequest, diags: &mut Diagnostics) -> Planned {
        let PlanRequest {
            prior,
            proposed,
            config,
        } = req;
        let ok = self.check(&config, diags);
        self.imp.validate(&config, diags);
        if !ok || diags.has_errors() {
            return Planned {
                state: proposed,
                requires_replace: vec![],
            };
        }
        let mut plan = plan::derive(&self.schema.block, prior, proposed, config);
        self.imp.modify_plan(data, &mut plan, diags).await;
        Planned {
            state: plan.planned,
            requires_replace: plan.requires_replace,
        }
    }

    async fn apply(&self, data: &D, req: ApplyRequest, diags: &mut Diagnostics) -> Value {
        let ApplyRequest {
            prior,
            planned,
            config,
            stop,
        } = req;
        let state = if planned.is_null() {
            self.imp.delete(data, prior, &stop, diags).await
        } else {
            let change = Change {
                prior: &prior,
                planned: &planned,
                config: &config,
                stop: &stop,
            };
            if prior.is_null() {
                self.imp.create(data, change, diags).await
            } else {
                self.imp.update(data, change, diags).await
            }
        };
        plan::known_or_null(state.conform(&self.schema.value_type()))
    }

    async fn read(&self, data: &D, state: Value, diags: &mut Diagnostics) -> Option<Value> {
        self.imp.read(data, state, diags).await
    }

    async fn import(&self, data: &D, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        self.imp.import(data, id, diags).await
    }
}
