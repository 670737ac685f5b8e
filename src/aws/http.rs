//! The HTTP client of AWS calls when the provider block (or the
//! environment) names proxies or extra CA certificates; otherwise the SDK's
//! default client is used unchanged.
//!
//! Proxies as hashicorp/aws takes them: `https_proxy` for `https://`
//! endpoints, `http_proxy` for `http://` ones, unless an entry of
//! `no_proxy` matches the endpoint (the rules of [`crate::domain::proxy`]).
//! Each defaults to its environment variable (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `NO_PROXY`, upper or lower case). Extra CA certificates
//! (`custom_ca_bundle`, else `AWS_CA_BUNDLE`) are trusted in addition to
//! the system's roots, for proxies that inspect TLS.

use std::sync::{Arc, OnceLock};

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

use crate::domain::proxy;

/// The block's HTTP arguments, before the environment fills them in.
#[derive(Clone, Debug, Default)]
pub struct HttpArgs {
    pub custom_ca_bundle: Option<String>,
    pub http_proxy: Option<String>,
    pub https_proxy: Option<String>,
    pub no_proxy: Option<String>,
}

/// What the HTTP client needs, checked: the CA bundle read and parsed, the
/// proxy URLs parsed.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    tls: TlsContext,
    http_proxy: Option<String>,
    https_proxy: Option<String>,
    no_proxy: Option<String>,
}

/// A setting the HTTP client cannot use, named by its source.
#[derive(Debug, thiserror::Error)]
pub enum HttpSetupError {
    #[error("cannot read the CA bundle {path} (from {source_name}): {message}")]
    CaBundle {
        path: String,
        source_name: &'static str,
        message: String,
    },
    #[error("{value:?} (from {source_name}) is not a proxy URL: {message}")]
    Proxy {
        value: String,
        source_name: &'static str,
        message: String,
    },
}

fn env(upper: &str) -> Option<String> {
    std::env::var(upper)
        .ok()
        .or_else(|| std::env::var(upper.to_ascii_lowercase()).ok())
        .filter(|v| !v.trim().is_empty())
}

/// A value from the block, else from the environment, with where it came
/// from.
fn either(
    arg: &Option<String>,
    name: &'static str,
    var: &'static str,
) -> Option<(String, &'static str)> {
    match arg {
        Some(v) => Some((v.clone(), name)),
        None => env(var).map(|v| (v, var)),
    }
}

/// Fill in the environment, read the CA bundle and check the proxies.
/// `None` when nothing asks for a client of our own.
pub fn resolve(args: &HttpArgs) -> Result<Option<HttpSettings>, HttpSetupError> {
    let ca = match &args.custom_ca_bundle {
        Some(p) => Some((p.clone(), "custom_ca_bundle")),
        None => std::env::var("AWS_CA_BUNDLE")
            .ok()
            .filter(|p| !p.is_empty())
            .map(|p| (p, "AWS_CA_BUNDLE")),
    };
    let http_proxy = either(&args.http_proxy, "http_proxy", "HTTP_PROXY");
    let https_proxy = either(&args.https_proxy, "https_proxy", "HTTPS_PROXY");
    let no_proxy = either(&args.no_proxy, "no_proxy", "NO_PROXY").map(|(v, _)| v);
    if ca.is_none() && http_proxy.is_none() && https_proxy.is_none() {
        return Ok(None);
    }
    let mut trust = TrustStore::default();
    if let Some((path, source_name)) = &ca {
        let home = std::env::var("HOME").ok();
        let expanded = proxy::expand_home(path, home.as_deref());
        let failed = |message: String| HttpSetupError::CaBundle {
            path: path.clone(),
            source_name,
            message,
        };
        let pem = std::fs::read(&expanded).map_err(|e| failed(e.to_string()))?;
        let text = String::from_utf8_lossy(&pem);
        if !text.contains("-----BEGIN CERTIFICATE-----") {
            return Err(failed("it holds no PEM certificate".into()));
        }
        trust = trust.with_pem_certificate(pem);
    }
    let tls = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| HttpSetupError::CaBundle {
            path: ca.as_ref().map(|c| c.0.clone()).unwrap_or_default(),
            source_name: ca.as_ref().map_or("the system", |c| c.1),
            message: e.to_string(),
        })?;
    let checked = |p: Option<(String, &'static str)>| -> Result<Option<String>, HttpSetupError> {
        match p {
            None => Ok(None),
            Some((value, source_name)) => match ProxyConfig::all(value.as_str()) {
                Ok(_) => Ok(Some(value)),
                Err(e) => Err(HttpSetupError::Proxy {
                    value,
                    source_name,
                    message: e.to_string(),
                }),
            },
        }
    };
    Ok(Some(HttpSettings {
        tls,
        http_proxy: checked(http_proxy)?,
        https_proxy: checked(https_proxy)?,
        no_proxy,
    }))
}

/// The SDK client for `settings`: one connection pool per route (direct,
/// through the HTTP proxy, through the HTTPS proxy), built on first use.
pub fn client(settings: HttpSettings) -> SharedHttpClient {
    let built: Arc<OnceLock<SharedHttpConnector>> = Arc::new(OnceLock::new());
    http_client_fn(move |connector_settings, components| {
        built
            .get_or_init(|| {
                let make = |proxy: Option<&str>| {
                    connector(&settings.tls, proxy, connector_settings, components)
                };
                SharedHttpConnector::new(Routes {
                    direct: make(None),
                    via_http: settings.http_proxy.as_deref().map(|p| make(Some(p))),
                    via_https: settings.https_proxy.as_deref().map(|p| make(Some(p))),
                    http_proxy: settings.http_proxy.clone(),
                    https_proxy: settings.https_proxy.clone(),
                    no_proxy: settings.no_proxy.clone(),
                })
            })
            .clone()
    })
}

fn connector(
    tls: &TlsContext,
    proxy: Option<&str>,
    settings: &HttpConnectorSettings,
    components: &RuntimeComponents,
) -> Connector {
    let proxy = match proxy {
        Some(url) => ProxyConfig::all(url).expect("checked by resolve"),
        None => ProxyConfig::disabled(),
    };
    let mut builder = Connector::builder()
        .connector_settings(settings.clone())
        .proxy_config(proxy);
    builder.set_sleep_impl(components.sleep_impl());
    builder
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(tls.clone())
        .build()
}

/// Sends each request directly or through the proxy for its scheme.
#[derive(Debug)]
struct Routes {
    direct: Connector,
    via_http: Option<Connector>,
    via_https: Option<Connector>,
    http_proxy: Option<String>,
    https_proxy: Option<String>,
    no_proxy: Option<String>,
}

impl HttpConnector for Routes {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let uri: Option<http::Uri> = request.uri().parse().ok();
        let scheme = uri
            .as_ref()
            .and_then(|u| u.scheme_str())
            .unwrap_or("https")
            .to_owned();
        let host = uri
            .as_ref()
            .and_then(|u| u.host())
            .unwrap_or_default()
            .to_owned();
        let port = uri
            .as_ref()
            .and_then(|u| u.port_u16())
            .unwrap_or(if scheme == "http" { 80 } else { 443 });
        let route = proxy::proxy_for(
            &scheme,
            &host,
            port,
            self.https_proxy.as_deref(),
            self.http_proxy.as_deref(),
            self.no_proxy.as_deref(),
        );
        let via = match route {
            None => None,
            Some(_) if scheme == "https" => self.via_https.as_ref(),
            Some(_) => self.via_http.as_ref(),
        };
        via.unwrap_or(&self.direct).call(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_asked_means_the_default_client() {
        if std::env::var_os("HTTPS_PROXY").is_some()
            || std::env::var_os("https_proxy").is_some()
            || std::env::var_os("HTTP_PROXY").is_some()
            || std::env::var_os("http_proxy").is_some()
            || std::env::var_os("AWS_CA_BUNDLE").is_some()
        {
            return;
        }
        assert!(resolve(&HttpArgs::default()).unwrap().is_none());
    }

    #[test]
    fn a_missing_ca_bundle_names_its_source() {
        let e = resolve(&HttpArgs {
            custom_ca_bundle: Some("/nonexistent/ca.pem".into()),
            ..Default::default()
        })
        .unwrap_err();
        let m = e.to_string();
        assert!(
            m.starts_with("cannot read the CA bundle /nonexistent/ca.pem (from custom_ca_bundle)"),
            "{m}"
        );
    }

    #[test]
    fn a_bad_proxy_names_its_source() {
        let e = resolve(&HttpArgs {
            https_proxy: Some("not a url".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("(from https_proxy)"), "{e}");
    }
}
