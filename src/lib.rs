//! terraform-provider-irsa: IAM Roles for Service Accounts for self-hosted
//! Kubernetes clusters.
//!
//! Dependencies flow one way:
//!
//! - [`tfplugin`]: the Terraform plugin protocol (handshake, gRPC server,
//!   value codec, schema and diagnostics). The only module that sees
//!   generated protobuf types.
//! - [`provider`]: the provider schema and configuration, and the registry of
//!   resources and data sources.
//! - [`resources`] and [`data_sources`]: one file per type. Each reads as
//!   "decode the configuration, call domain/aws/kube, encode the state".
//! - [`domain`]: pure logic with no I/O: keys, JWKS, issuer URLs,
//!   apiserver flags.
//! - [`aws`]: the AWS SDK clients.
//! - [`kube`]: cluster access through the kube crate.
//! - [`tls`]: the certificate chain an HTTPS server presents (thumbprints).
//! - [`errors`]: where typed errors become diagnostics.

pub mod attributes;
pub mod aws;
pub mod context;
pub mod data_sources;
pub mod domain;
pub mod errors;
pub mod framework;
pub mod kube;
pub mod provider;
pub mod resources;
pub mod tfplugin;
pub mod tls;
