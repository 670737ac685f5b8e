//! Managed resources, one folder each: glue that decodes the model, calls
//! domain/aws/kube and encodes the state. Shared attribute helpers live in
//! [`crate::attributes`].

pub mod issuer;
pub mod jwks;
pub mod role;
pub mod tags;
