//! What the data sources' unit tests share: configurations conformed to a
//! schema, and the refusals validation gives, as (path, summary).

use crate::context::ProviderData;
use crate::framework::{Data, ManagedDataSource, ResourceSchema};
use crate::tfplugin::{DataSource, Diagnostics, Value};

/// A configuration of `schema`: `pairs` set, everything else null.
pub fn config(schema: &ResourceSchema, pairs: Vec<(&str, Value)>) -> Value {
    let ty = schema.value_type();
    let mut v = Value::Object(Default::default()).conform(&ty);
    for (k, val) in pairs {
        v.set_attr(k, val);
    }
    v.conform(&ty)
}

/// What validating `config` refuses, as (attribute path, summary).
pub fn errors_at<R: ManagedDataSource<ProviderData>>(
    data_source: R,
    config: &Value,
) -> Vec<(String, String)> {
    let mut diags = Diagnostics::new();
    Data::new(data_source).validate(config, &mut diags);
    diags
        .0
        .iter()
        .map(|d| {
            (
                d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                d.summary.clone(),
            )
        })
        .collect()
}
