//! terraform-provider-irsa: IAM Roles for Service Accounts for self-hosted
//! Kubernetes clusters.
//!
//! Dependencies flow one way, from the protocol up to the provider, and
//! from the glue down to the pure logic; `layering.rs` holds the test that
//! keeps them so:
//!
//! ```text
//! tfplugin  <-  framework  <-  attributes, cluster  <-  resources, data_sources  <-  provider  <-  main
//!                                                          |                                   |
//!                                                          v                                   v
//!                                      trust_check -> context, aws, kube, fetch, tls -> domain   cli
//! ```
//!
//! - [`tfplugin`]: the Terraform plugin protocol (handshake, gRPC server,
//!   value codec, schema and diagnostics). Imports nothing else from the
//!   crate, and is the only module that names generated protobuf types.
//! - [`framework`]: schemas that declare plan behaviour (defaults,
//!   replacement, use-state-for-unknown, validators, constraints), the plan
//!   derived from them, and the create/read/update/delete/import interface.
//!   Imports only `tfplugin`.
//! - [`attributes`]: attribute helpers and validators shared by resources
//!   and data sources, each wrapping one rule of the domain's rule book.
//! - [`resources`] and [`data_sources`]: glue, one folder or file per type:
//!   decode the model, call domain/aws/kube, encode the state.
//! - [`cluster`]: the `cluster` block (connection settings and key source)
//!   shared by `irsa_jwks` and `irsa_trust_check`.
//! - [`trust_check`]: the I/O of the trust check's steps, shared by the
//!   `irsa_trust_check` data source and [`cli`], the `check` subcommand.
//! - [`context`]: [`context::ProviderData`], what every call receives.
//! - [`provider`]: the provider schema and configuration, and the registry
//!   of resources and data sources. Imported only by `main`.
//! - [`aws`], [`kube`], [`tls`], [`fetch`]: small clients with typed errors
//!   (NotFound is a type). They import only `domain` (and `fetch`, `tls`).
//! - [`domain`]: pure logic with no I/O, and the one rule book for every
//!   name AWS and Kubernetes check. Imports nothing from the crate.
//! - [`errors`]: where typed errors become diagnostics.

pub mod attributes;
pub mod aws;
pub mod cli;
pub mod cluster;
pub mod context;
pub mod data_sources;
pub mod domain;
pub mod errors;
pub mod fetch;
pub mod framework;
pub mod functions;
pub mod kube;
mod layering;
pub mod provider;
pub mod resources;
pub mod tfplugin;
pub mod tls;
pub mod trust_check;
