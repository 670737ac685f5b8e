//! The framework layer between the protocol ([`crate::tfplugin`], the
//! equivalent of terraform-plugin-go) and the resources, in the part
//! terraform-plugin-framework plays:
//!
//! - [`schema`]: attributes that declare their default, requires-replace,
//!   use-state-for-unknown and validators, and blocks that declare the
//!   constraints between their attributes;
//! - [`validator`]: small named validators that skip null and unknown
//!   values and report the attribute path;
//! - [`validate`] and [`plan`]: the checks and the plan derived from a
//!   schema;
//! - [`resource`]: the create/read/update/delete/import interface and its
//!   adapter to the protocol layer; [`data_source`], the read-only one;
//! - [`model`]: the field conversions of the resources' typed models;
//! - [`stop`]: the one "stopped on request" error.

pub mod data_source;
pub mod model;
pub mod plan;
pub mod resource;
pub mod schema;
pub mod stop;
pub mod validate;
pub mod validator;

pub use data_source::{Data, ManagedDataSource};
pub use plan::Plan;
pub use resource::{Change, Managed, ManagedResource};
pub use schema::{Attr, BlockSpec, Constraint, ResourceSchema};
pub use stop::Stopped;
pub use validator::Validator;
