//! Data sources, one file each.

pub mod apiserver_flags;
pub mod jwks_document;
pub mod tls_thumbprint;

use std::sync::Arc;

use crate::context::ProviderData;
use crate::tfplugin::DataSource;

/// Every data source the provider serves.
pub fn all() -> Vec<Arc<dyn DataSource<ProviderData>>> {
    vec![
        Arc::new(jwks_document::JwksDocument),
        Arc::new(apiserver_flags::ApiserverFlags),
        Arc::new(tls_thumbprint::TlsThumbprint),
    ]
}
