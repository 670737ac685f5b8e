//! Pure domain logic of the IRSA provider.
//!
//! Everything in here is deterministic and free of I/O, so it can be tested
//! on its own and reused by any resource or data source:
//!
//! - [`keys`]: parse the cluster's service-account public keys from PEM and
//!   compute the key IDs (`kid`) Kubernetes puts in token headers;
//! - [`jwks`]: build and read the JSON Web Key Set published next to the
//!   OIDC discovery document;
//! - [`issuer`]: check that an issuer URL is one that AWS IAM and
//!   kube-apiserver will agree on;
//! - [`flags`]: compute the kube-apiserver flags and render them for
//!   kubeadm, Cluster API (ytt), Talos and k3s/RKE2;
//! - [`partition`]: ARN partitions and DNS domains of AWS regions;
//! - [`s3_issuer`]: the URLs, object keys and ARNs of an issuer published in
//!   an S3 bucket, and the S3 naming rules;
//! - [`hosting`]: where an issuer's documents are served (S3, or a server
//!   of the user's), and the URLs and paths each hosting gives;
//! - [`discovery`]: the OIDC discovery document;
//! - [`cluster_keys`]: keys taken from a running cluster (a Cluster API
//!   secret or the apiserver's served key set), checked before publishing;
//! - [`bucket_policy`]: the issuer's bucket-policy statements, merged into
//!   and removed from a shared policy;
//! - [`cloudfront`]: the distribution of an issuer served through
//!   CloudFront from a private bucket, and its drift;
//! - [`oidc_provider`]: the IAM OIDC provider's settings and their updates;
//! - [`arn`], [`service_account`], [`trust_policy`], [`policy_json`] and
//!   [`role`]: the trust policy of a role for service accounts, IAM policy
//!   documents compared by meaning, and IAM's rules for role settings;
//! - [`role_diff`]: the IAM calls that bring a role to its settings;
//! - [`jws`], [`policy_eval`] and [`trust_check`]: the trust chain checked
//!   from outside as STS checks it: tokens and their signatures, trust
//!   policies evaluated as IAM evaluates them, and the steps of
//!   `irsa_trust_check`.
//!
//! ## The rule book
//!
//! Every rule AWS or Kubernetes enforces on a name or value is written once,
//! here, and every attribute that takes such a value checks it through
//! [`crate::attributes`]:
//!
//! | rule | where |
//! |---|---|
//! | tag keys and values, `aws:`, at most 50 | [`tags`] |
//! | region names | [`region`] |
//! | bucket names, issuer prefixes and paths, JWKS object keys | [`s3_issuer`] |
//! | IAM role names, paths, descriptions, policy names, session length | [`role`] |
//! | IAM ARNs (OIDC providers, managed policies) | [`arn`] |
//! | OIDC client ids and thumbprints | [`oidc_provider`] |
//! | Kubernetes names (RFC 1123), service accounts, secret references | [`service_account`], [`cluster_keys`] |
//! | PEM public keys; PEM CA certificates | [`keys`]; [`certificates`] |
//! | issuer URLs; JWKS URIs | [`issuer`]; [`discovery`] |
//! | CloudFront aliases, certificates, price classes, web ACLs | [`cloudfront`] |
//! | `NO_PROXY` entries, `~` in paths | [`proxy`] |
//! | durations, account ids, session names, retries of the provider block | [`aws_config`] |
//!
//! The module depends on nothing else in the crate and uses no AWS types.

pub mod arn;
pub mod aws_config;
pub mod bucket_policy;
pub mod certificates;
pub mod cloudfront;
pub mod cluster_keys;
pub mod discovery;
pub mod flags;
pub mod hosting;
pub mod issuer;
pub mod jwks;
pub mod jws;
pub mod keys;
pub mod oidc_provider;
pub mod partition;
pub mod policy_eval;
pub mod policy_json;
pub mod proxy;
pub mod region;
pub mod role;
pub mod role_diff;
pub mod s3_issuer;
pub mod service_account;
pub mod serving_certificate;
pub mod tags;
pub mod trust_check;
pub mod trust_policy;
pub mod webhook;
pub mod yaml;

#[cfg(test)]
mod properties;
#[cfg(test)]
pub(crate) mod test_support;
