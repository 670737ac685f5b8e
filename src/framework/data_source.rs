//! The data-source interface: the schema declares the checks (validators
//! and constraints, as for resources), and the data source only reads.
//! [`Data`] adapts it to the protocol layer's [`tfplugin::DataSource`].

use crate::tfplugin::{self, Diagnostics, Schema, Value};

use super::schema::ResourceSchema;
use super::validate::validate_block;

/// A data source type.
#[async_trait::async_trait]
pub trait ManagedDataSource<D>: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> ResourceSchema;

    /// Checks the schema cannot declare. Unknown values may appear.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// The data source's state from a wholly known configuration that
    /// passed validation.
    async fn read(&self, data: &D, config: Value, diags: &mut Diagnostics) -> Value;
}

/// A [`ManagedDataSource`] served through the protocol layer.
pub struct Data<R> {
    imp: R,
    schema: ResourceSchema,
}

impl<R> Data<R> {
    pub fn new<D>(imp: R) -> Data<R>
    where
        R: ManagedDataSource<D>,
    {
        let schema = imp.schema();
        Data { imp, schema }
    }
}

#[async_trait::async_trait]
impl<D, R> tfplugin::DataSource<D> for Data<R>
where
    D: Send + Sync + 'static,
    R: ManagedDataSource<D>,
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

    async fn read(&self, data: &D, config: Value, diags: &mut Diagnostics) -> Value {
        // Values unknown at validate are known now: check them again.
        tfplugin::DataSource::validate(self, &config, diags);
        if diags.has_errors() {
            return Value::Null;
        }
        self.imp.read(data, config, diags).await
    }
}
