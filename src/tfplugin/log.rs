//! Logging as hclog JSON lines on stderr.
//!
//! Terraform's plugin client parses each stderr line that is a JSON object
//! with `@level`, `@message` and `@timestamp`, and logs it at that level, so
//! `TF_LOG=debug` (or `TF_LOG_PROVIDER`) shows the provider's messages in
//! Terraform's own log. Only this crate's records are written; never log key
//! material, tokens or kubeconfig contents.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

struct HcLog;

static LOGGER: HcLog = HcLog;

/// Install the logger. The level comes from `TF_LOG_PROVIDER`, else
/// `TF_LOG`, else info; Terraform filters again on its side.
pub fn init() {
    let level = ["TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .map(|v| parse_level(&v))
        .unwrap_or(LevelFilter::Info);
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}

fn parse_level(v: &str) -> LevelFilter {
    match v.to_ascii_lowercase().as_str() {
        "trace" | "json" => LevelFilter::Trace,
        "debug" => LevelFilter::Debug,
        "warn" => LevelFilter::Warn,
        "error" => LevelFilter::Error,
        "off" => LevelFilter::Off,
        _ => LevelFilter::Info,
    }
}

impl Log for HcLog {
    fn enabled(&self, m: &Metadata) -> bool {
        m.target().starts_with("irsa") || m.target().starts_with("terraform_provider_irsa")
    }

    fn log(&self, r: &Record) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let line = format_line(
            r.level(),
            &r.args().to_string(),
            r.target(),
            std::time::SystemTime::now(),
        );
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    fn flush(&self) {}
}

/// One hclog JSON line.
pub fn format_line(level: Level, message: &str, module: &str, at: std::time::SystemTime) -> String {
    let level = match level {
        Level::Error => "error",
        Level::Warn => "warn",
        Level::Info => "info",
        Level::Debug => "debug",
        Level::Trace => "trace",
    };
    serde_json::json!({
        "@level": level,
        "@message": message,
        "@module": module.replace("::", "."),
        "@timestamp": timestamp(at),
    })
    .to_string()
}

/// RFC 3339 UTC with microseconds, the layout go-plugin parses
/// (`2006-01-02T15:04:05.000000Z07:00`).
fn timestamp(at: std::time::SystemTime) -> String {
    let d = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// civil-from-days algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_match_the_layout_go_plugin_parses() {
        let at = UNIX_EPOCH + Duration::from_micros(1_795_000_000_123_456);
        assert_eq!(timestamp(at), "2026-11-18T11:06:40.123456Z");
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        // 2000-02-29, a leap day in a year divisible by 400.
        assert_eq!(
            timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000000Z"
        );
    }

    #[test]
    fn lines_are_json_with_the_hclog_keys() {
        let line = format_line(Level::Debug, "hello \"x\"", "irsa::aws", UNIX_EPOCH);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "hello \"x\"");
        assert_eq!(v["@module"], "irsa.aws");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn levels_parse_case_insensitively() {
        assert_eq!(parse_level("DEBUG"), LevelFilter::Debug);
        assert_eq!(parse_level("TRACE"), LevelFilter::Trace);
        assert_eq!(parse_level("whatever"), LevelFilter::Info);
    }
}
