//! Data sources, one file each.

use std::sync::Arc;

use crate::provider::ProviderData;
use crate::tfplugin::DataSource;

/// Every data source the provider serves.
pub fn all() -> Vec<Arc<dyn DataSource<ProviderData>>> {
    vec![]
}
