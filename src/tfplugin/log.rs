//! Logging: `tracing` events written as hclog JSON lines on stderr.
//!
//! Terraform's plugin client parses each stderr line that is a JSON object
//! with `@level`, `@message` and `@timestamp`, and logs it at that level, so
//! `TF_LOG=debug` (or `TF_LOG_PROVIDER`) shows the provider's work in
//! Terraform's own log. Each line carries the fields of the spans it
//! happened in; the server opens one per RPC with the fields
//! terraform-plugin-log uses (`tf_rpc`, `tf_req_id`, `tf_resource_type`,
//! `tf_provider_addr`).
//!
//! The provider's own events are written at their level. Those of the
//! crates under it (the AWS SDK, kube, hyper, rustls) are written only at
//! `TF_LOG=trace`, and then as trace lines. Every message and field passes
//! through [`redact`] first, so that an `Authorization` header, a session
//! token, a bearer token, a JWT or a private key that some library puts in
//! a debug dump never reaches the log.

use std::fmt::Write as _;
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// The provider's address, for `tf_provider_addr`.
pub const PROVIDER_ADDR: &str = "registry.terraform.io/irsa/irsa";

/// Install the subscriber. The level comes from `TF_LOG_PROVIDER`, else
/// `TF_LOG`, else info; Terraform filters again on its side.
pub fn init() {
    let level = ["TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .map(|v| parse_level(&v))
        .unwrap_or(LevelFilter::INFO);
    let subscriber = tracing_subscriber::registry().with(Hclog { level, sink: None });
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The span of one RPC, with the fields terraform-plugin-log uses; every
/// log line written while it runs carries them.
pub fn rpc_span(rpc: &'static str, type_name: &str) -> tracing::Span {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracing::info_span!(
        "rpc",
        tf_rpc = rpc,
        tf_resource_type = type_name,
        tf_req_id = format!("{:08x}-{id}", std::process::id()).as_str(),
        tf_provider_addr = PROVIDER_ADDR,
    )
}

fn parse_level(v: &str) -> LevelFilter {
    match v.to_ascii_lowercase().as_str() {
        "trace" | "json" => LevelFilter::TRACE,
        "debug" => LevelFilter::DEBUG,
        "warn" => LevelFilter::WARN,
        "error" => LevelFilter::ERROR,
        "off" => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    }
}

/// Whether an event or span comes from this crate.
fn own(target: &str) -> bool {
    target.starts_with("irsa") || target.starts_with("terraform_provider_irsa")
}

struct Hclog {
    level: LevelFilter,
    /// Where lines go: stderr, or a buffer in tests.
    sink: Option<std::sync::Arc<std::sync::Mutex<Vec<u8>>>>,
}

impl Hclog {
    fn wants(&self, m: &Metadata<'_>) -> bool {
        if own(m.target()) {
            *m.level() <= self.level
        } else {
            // Other crates' events and spans: only at trace.
            self.level == LevelFilter::TRACE
        }
    }
}

/// Fields gathered from an event or a span, in order.
#[derive(Default)]
struct Fields {
    message: String,
    pairs: Vec<(&'static str, serde_json::Value)>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.put(field, serde_json::Value::String(text));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, serde_json::Value::String(value.to_owned()));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: serde_json::Value) {
        let value = match value {
            serde_json::Value::String(s) => serde_json::Value::String(redact(&s)),
            other => other,
        };
        if field.name() == "message" {
            self.message = value.as_str().unwrap_or_default().to_owned();
        } else {
            self.pairs.push((field.name(), value));
        }
    }
}

impl<S> Layer<S> for Hclog
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn enabled(&self, m: &Metadata<'_>, _: Context<'_, S>) -> bool {
        self.wants(m)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.level)
    }

    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let m = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut line = serde_json::Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(f) = span.extensions().get::<Fields>() {
                    for (k, v) in &f.pairs {
                        line.insert((*k).to_owned(), v.clone());
                    }
                }
            }
        }
        for (k, v) in fields.pairs {
            line.insert(k.to_owned(), v);
        }
        let level = if own(m.target()) {
            *m.level()
        } else {
            Level::TRACE
        };
        line.insert("@level".into(), level_name(level).into());
        line.insert("@message".into(), fields.message.into());
        line.insert("@module".into(), m.target().replace("::", ".").into());
        line.insert(
            "@timestamp".into(),
            timestamp(time::OffsetDateTime::now_utc()).into(),
        );
        let text = serde_json::Value::Object(line).to_string();
        match &self.sink {
            Some(buffer) => {
                let _ = writeln!(buffer.lock().unwrap_or_else(|e| e.into_inner()), "{text}");
            }
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// RFC 3339 UTC with microseconds, the layout go-plugin parses
/// (`2006-01-02T15:04:05.000000Z07:00`).
fn timestamp(at: time::OffsetDateTime) -> String {
    const LAYOUT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(LAYOUT)
        .unwrap_or_default()
}

const REDACTED: &str = "[redacted]";

/// `text` with secrets masked: the values of `Authorization`,
/// `X-Amz-Security-Token`, `WebIdentityToken` and `token` fields (in
/// header dumps, JSON, query strings and Debug output), bearer tokens,
/// JWTs, and PEM private keys.
pub fn redact(text: &str) -> String {
    let mut out = redact_pem(text);
    for key in [
        "authorization",
        "x-amz-security-token",
        "webidentitytoken",
        "x-amz-signature",
        "aws_secret_access_key",
        "aws_session_token",
        "secret_access_key",
        "session_token",
        "\"token",
        "token:",
    ] {
        out = redact_after(&out, key);
    }
    out = redact_word_after(&out, "bearer ");
    redact_jwts(&out)
}

/// PEM blocks whose label names a private key.
fn redact_pem(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let label_end = rest[start + 11..].find("-----").map(|i| start + 11 + i);
        let Some(label_end) = label_end else { break };
        let label = &rest[start + 11..label_end];
        if !label.contains("PRIVATE KEY") {
            out.push_str(&rest[..label_end + 5]);
            rest = &rest[label_end + 5..];
            continue;
        }
        out.push_str(&rest[..start]);
        out.push_str("[redacted private key]");
        let end_marker = format!("-----END {label}-----");
        rest = match rest[label_end..].find(&end_marker) {
            Some(i) => &rest[label_end + i + end_marker.len()..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// Mask the value that follows `key` (matched case-insensitively) after a
/// separator (`:`, `=`, `"`, spaces), up to the next quote, comma, `&`,
/// closing bracket or line end.
fn redact_after(text: &str, key: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(pos) = lower[i..].find(key).map(|p| p + i) {
        let after_key = pos + key.len();
        out.push_str(&text[i..after_key]);
        let bytes = text.as_bytes();
        // `Authorization` inside a word is an operation's name
        // (`GetAccountAuthorizationDetails`), not a header.
        if key == "authorization" && pos > 0 && bytes[pos - 1].is_ascii_alphanumeric() {
            i = after_key;
            continue;
        }
        let mut j = after_key;
        while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b':' | b'=' | b' ' | b'\\') {
            j += 1;
        }
        // Debug output of an Option: `token: Some("...")`.
        if text[j..].starts_with("Some(") {
            j += 5;
            while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b'\\') {
                j += 1;
            }
        }
        out.push_str(&text[after_key..j]);
        let mut k = j;
        while k < bytes.len()
            && !matches!(
                bytes[k],
                b'"' | b'\'' | b',' | b'&' | b'}' | b')' | b'\n' | b'\\'
            )
        {
            k += 1;
        }
        if k > j {
            out.push_str(REDACTED);
        }
        i = k;
    }
    out.push_str(&text[i..]);
    out
}

/// Mask the word after `prefix` (case-insensitive), e.g. a bearer token.
fn redact_word_after(text: &str, prefix: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(pos) = lower[i..].find(prefix).map(|p| p + i) {
        let start = pos + prefix.len();
        out.push_str(&text[i..start]);
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '\\'))
            .map_or(text.len(), |e| start + e);
        if end > start && !text[start..end].starts_with('[') {
            out.push_str(REDACTED);
        } else {
            out.push_str(&text[start..end]);
        }
        i = end;
    }
    out.push_str(&text[i..]);
    out
}

/// Mask JWTs: `eyJ` followed by base64url, a dot, base64url, a dot.
fn redact_jwts(text: &str) -> String {
    let b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while let Some(pos) = text[i..].find("eyJ").map(|p| p + i) {
        let mut j = pos;
        let mut dots = 0;
        while j < bytes.len() && (b64(bytes[j]) || (bytes[j] == b'.' && dots < 2)) {
            if bytes[j] == b'.' {
                dots += 1;
            }
            j += 1;
        }
        if dots == 2 {
            out.push_str(&text[copied..pos]);
            out.push_str("[redacted token]");
            copied = j;
        }
        i = j.max(pos + 3);
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_the_layout_go_plugin_parses() {
        let at =
            time::OffsetDateTime::from_unix_timestamp_nanos(1_795_000_000_123_456_789).unwrap();
        assert_eq!(timestamp(at), "2026-11-18T11:06:40.123456Z");
        assert_eq!(
            timestamp(time::OffsetDateTime::UNIX_EPOCH),
            "1970-01-01T00:00:00.000000Z"
        );
    }

    #[test]
    fn levels_parse_case_insensitively() {
        assert_eq!(parse_level("DEBUG"), LevelFilter::DEBUG);
        assert_eq!(parse_level("TRACE"), LevelFilter::TRACE);
        assert_eq!(parse_level("whatever"), LevelFilter::INFO);
    }

    /// The lines a subscriber at `level` writes while `f` runs.
    fn lines(level: LevelFilter, f: impl FnOnce()) -> Vec<serde_json::Value> {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let layer = Hclog {
            level,
            sink: Some(buffer.clone()),
        };
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), f);
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn emit() {
        let span = tracing::info_span!(target: "irsa::tfplugin", "rpc", tf_rpc = "ReadResource", tf_req_id = "r-1");
        let _entered = span.enter();
        tracing::debug!(target: "irsa::aws", service = "IAM", status = 200u64, "AWS call");
        tracing::debug!(target: "aws_smithy_runtime::client", "sending authorization: AWS4 sig");
        tracing::trace!(target: "irsa::aws", "fine detail");
    }

    #[test]
    fn lines_are_hclog_json_with_the_rpc_fields() {
        let out = lines(LevelFilter::DEBUG, emit);
        assert_eq!(out.len(), 1, "{out:?}");
        let l = &out[0];
        assert_eq!(l["@level"], "debug");
        assert_eq!(l["@message"], "AWS call");
        assert_eq!(l["@module"], "irsa.aws");
        assert_eq!(l["tf_rpc"], "ReadResource");
        assert_eq!(l["tf_req_id"], "r-1");
        assert_eq!(l["service"], "IAM");
        assert_eq!(l["status"], 200);
        assert!(l["@timestamp"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn other_crates_show_only_at_trace_and_redacted() {
        let out = lines(LevelFilter::TRACE, emit);
        assert_eq!(out.len(), 3, "{out:?}");
        let sdk = out
            .iter()
            .find(|l| l["@module"] == "aws_smithy_runtime.client")
            .unwrap();
        assert_eq!(sdk["@level"], "trace", "kept at trace");
        assert!(
            !sdk["@message"].as_str().unwrap().contains("AWS4 sig"),
            "{sdk}"
        );
        assert!(lines(LevelFilter::INFO, emit).is_empty());
    }

    #[test]
    fn secrets_are_masked_in_every_shape_libraries_print() {
        let cases = [
            (
                "authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=abc",
                "AKIA",
            ),
            (
                r#"{"authorization": "Bearer sekrit-token"}"#,
                "sekrit-token",
            ),
            (
                r#"headers: {"x-amz-security-token": "FwoGZXIvYXdzEK"}"#,
                "FwoGZXIvYXdzEK",
            ),
            (
                "Action=AssumeRoleWithWebIdentity&WebIdentityToken=abc.def.ghi&RoleArn=x",
                "abc.def.ghi",
            ),
            ("Bearer stand-in-token-123 sent", "stand-in-token-123"),
            (
                r#"Connection { token: Some("kube-bearer") }"#,
                "kube-bearer",
            ),
            (
                "got eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln here",
                "eyJzdWIiOiJ4In0",
            ),
            (
                "key -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY----- end",
                "MIIEvQIBADANBg",
            ),
            (
                "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----",
                "MHcCAQEE",
            ),
            ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI", "wJalrXUtnFEMI"),
        ];
        for (text, secret) in cases {
            let r = redact(text);
            assert!(!r.contains(secret), "{text:?} -> {r:?}");
            assert!(r.contains("[redacted"), "{text:?} -> {r:?}");
        }
        // What is not secret stays readable.
        let plain = "GET /openid/v1/jwks 200 in 12 ms; -----BEGIN PUBLIC KEY----- kept";
        let call = "AWS call IAM.GetAccountAuthorizationDetails: HTTP 200 in 15 ms";
        assert_eq!(redact(call), call);
        assert!(!redact("authorization: AWS4-HMAC-SHA256 Credential=AKIA").contains("AKIA"));
        assert_eq!(redact(plain), plain);
        assert_eq!(redact("no token here"), "no token here");
    }
}
