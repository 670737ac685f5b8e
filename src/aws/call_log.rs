//! One DEBUG log line per AWS call: service, operation, HTTP status,
//! request id, duration and retries, as an SDK interceptor on every client.
//! The request and response themselves are never logged (the SDK's own
//! events are written only at TRACE, redacted).

use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// The interceptor; add it to each client's config.
#[derive(Debug, Default)]
pub struct CallLog;

#[derive(Clone, Copy, Debug)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

#[derive(Clone, Copy, Debug)]
struct Attempts(u32);

impl Storable for Attempts {
    type Storer = StoreReplace<Self>;
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "CallLog"
    }

    fn read_before_execution(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Started(Instant::now()));
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let n = cfg.load::<Attempts>().map_or(0, |a| a.0);
        cfg.interceptor_state().store_put(Attempts(n + 1));
        Ok(())
    }

    fn read_after_execution(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = cfg
            .load::<Metadata>()
            .map_or(("?", "?"), |m| (m.service(), m.name()));
        let duration_ms = cfg
            .load::<Started>()
            .map_or(0, |s| s.0.elapsed().as_millis() as u64);
        let attempts = cfg.load::<Attempts>().map_or(0, |a| a.0);
        let response = ctx.response();
        let status = response.map_or(0, |r| u64::from(r.status().as_u16()));
        let request_id = response
            .and_then(|r| {
                ["x-amzn-requestid", "x-amz-request-id"]
                    .iter()
                    .find_map(|h| r.headers().get(*h))
            })
            .unwrap_or("");
        let outcome = match ctx.output_or_error() {
            Some(Ok(_)) => "ok",
            Some(Err(_)) => "error",
            None => "none",
        };
        tracing::debug!(
            target: "irsa::aws",
            service,
            operation,
            status,
            request_id,
            duration_ms,
            retries = attempts.saturating_sub(1),
            outcome,
            "AWS call {service}.{operation}: HTTP {status} in {duration_ms} ms"
        );
        Ok(())
    }
}
