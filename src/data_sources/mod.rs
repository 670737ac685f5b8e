//! Data sources, one file each, served through the framework's
//! [`Data`] adapter.

pub mod apiserver_flags;
pub mod discovery_document;
pub mod jwks_document;
pub mod pod_identity_webhook;
#[cfg(test)]
mod test_support;
pub mod tls_thumbprint;
pub mod trust_check;

use std::sync::Arc;

use crate::context::ProviderData;
use crate::framework::Data;
use crate::tfplugin::DataSource;

/// Every data source the provider serves.
pub fn all() -> Vec<Arc<dyn DataSource<ProviderData>>> {
    vec![
        Arc::new(Data::new(jwks_document::JwksDocument)),
        Arc::new(Data::new(discovery_document::DiscoveryDocumentSource)),
        Arc::new(Data::new(apiserver_flags::ApiserverFlags)),
        Arc::new(Data::new(tls_thumbprint::TlsThumbprint)),
        Arc::new(Data::new(pod_identity_webhook::PodIdentityWebhook)),
        Arc::new(Data::new(trust_check::TrustCheck)),
    ]
}
