//! Managed resources, one file each; `common` holds what they and the data
//! sources share.

pub mod common;
pub mod issuer;
pub mod jwks;
pub mod role;
