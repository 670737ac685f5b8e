//! The integration tests, as one test binary: each module was once a test
//! binary of its own, and each linked the AWS SDK, kube and tonic again.
//! See `tests/README.md`.

mod support;

mod cloudfront_client;
mod docs;
mod e2e_data_sources;
mod e2e_functions;
mod e2e_import;
mod e2e_issuer;
mod e2e_issuer_cloudfront;
mod e2e_issuer_external;
mod e2e_jwks;
mod e2e_logs;
mod e2e_ownership;
mod e2e_provider_config;
mod e2e_release;
mod e2e_role;
mod e2e_role_listing;
mod e2e_tags;
mod e2e_trust_check;
mod e2e_webhook;
mod e2e_workflows;
mod fault_matrix;
mod grpc;
mod harness_selftest;
mod issuer_in_process;
mod kube_client;
mod plugin_process;
mod tls_thumbprint;
