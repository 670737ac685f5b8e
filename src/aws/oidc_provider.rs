//! IAM OpenID Connect providers: the registration that lets STS trust the
//! tokens of an issuer.
//!
//! [`AwsError::NotFound`] means the provider does not exist.

use std::collections::BTreeMap;

use aws_sdk_iam::Client;

use super::error::AwsError;
use crate::domain::issuer::issuer_host_path;
use crate::domain::oidc_provider::{client_id_changes, tag_changes};
use crate::domain::tags;

/// What IAM knows about a provider.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OidcProvider {
    pub arn: String,
    /// The issuer URL without `https://`, as IAM returns it.
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    /// The user's tags: all but the provider's creation token.
    pub tags: BTreeMap<String, String>,
    /// The token of the create call that made it, when this provider made
    /// it.
    pub creation_token: Option<String>,
}

/// IAM's error when a provider for the URL exists already.
pub const ALREADY_EXISTS: &str = "EntityAlreadyExists";

/// CreateOpenIDConnectProvider; returns the new provider's ARN. Without
/// `thumbprints`, IAM obtains the issuer's certificate itself.
pub async fn create(
    c: &Client,
    url: &str,
    client_ids: &[String],
    thumbprints: Option<&[String]>,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let mut req = c
        .create_open_id_connect_provider()
        .url(url)
        .set_client_id_list(Some(client_ids.to_vec()));
    if let Some(t) = thumbprints {
        req = req.set_thumbprint_list(Some(t.to_vec()));
    }
    if !tags.is_empty() {
        req = req.set_tags(Some(super::iam_tags(tags)));
    }
    let out = req.send().await.map_err(|e| {
        AwsError::from_sdk(
            "CreateOpenIDConnectProvider",
            format!("provider for {url}"),
            e,
        )
    })?;
    out.open_id_connect_provider_arn()
        .map(str::to_owned)
        .ok_or_else(|| AwsError::Transport {
            call: "CreateOpenIDConnectProvider",
            resource: format!("provider for {url}"),
            message: "the answer carried no ARN".into(),
        })
}

/// What [`create_own`] found instead of creating.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// A provider for the URL existed before this call: it is never taken
    /// over.
    #[error(
        "an IAM OIDC provider for {url} exists already ({arn}) and was not created by this apply; it may belong \
         to another Terraform state"
    )]
    Exists { url: String, arn: String },
}

/// Create the provider for the issuer at `url`, tagged with a creation
/// token. When the call fails in a way that may hide a success (a lost
/// answer, a retry that finds the provider, a server error), the provider
/// for the URL is looked up: it is this call's own only when it bears this
/// call's token. One that existed before is never adopted. Returns the ARN.
pub async fn create_own(
    c: &Client,
    url: &str,
    client_ids: &[String],
    thumbprints: Option<&[String]>,
    tags: &BTreeMap<String, String>,
) -> Result<String, CreateError> {
    let token = super::creation_token();
    let mut all = tags.clone();
    all.insert(tags::CREATION_TOKEN_TAG.to_owned(), token.clone());
    let err = match create(c, url, client_ids, thumbprints, &all).await {
        Ok(arn) => return Ok(arn),
        Err(e) => e,
    };
    if err.code() != Some(ALREADY_EXISTS) && !err.may_have_happened() {
        return Err(err.into());
    }
    // When the look-up fails too, the create's own error is the one to show.
    let looked_up = match find_by_url(c, issuer_host_path(url)).await {
        Ok(Some(arn)) => get(c, &arn).await,
        Ok(None) => return Err(err.into()),
        Err(e) => Err(e),
    };
    let existing = match looked_up {
        Ok(p) => p,
        Err(lookup) => {
            tracing::warn!("after {err}, the provider for {url} could not be looked up: {lookup}");
            return Err(err.into());
        }
    };
    let arn = existing.arn.clone();
    if existing.creation_token.as_deref() == Some(token.as_str()) {
        tracing::info!("CreateOpenIDConnectProvider for {url} reported a failure after creating {arn} ({err}); continuing with it");
        Ok(arn)
    } else {
        Err(CreateError::Exists {
            url: url.to_owned(),
            arn,
        })
    }
}

/// GetOpenIDConnectProvider: the URL, client IDs, thumbprints and tags in
/// one call.
pub async fn get(c: &Client, arn: &str) -> Result<OidcProvider, AwsError> {
    let out = c
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetOpenIDConnectProvider", arn, e))?;
    let all_tags: BTreeMap<String, String> = out
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    Ok(OidcProvider {
        arn: arn.to_owned(),
        url: out.url().unwrap_or_default().to_owned(),
        client_ids: out.client_id_list().to_vec(),
        thumbprints: out.thumbprint_list().to_vec(),
        tags: tags::user_tags(&all_tags),
        creation_token: all_tags.get(tags::CREATION_TOKEN_TAG).cloned(),
    })
}

/// The ARN of the provider for an issuer (`host_path`: the URL without
/// `https://`), found with ListOpenIDConnectProviders.
pub async fn find_by_url(c: &Client, host_path: &str) -> Result<Option<String>, AwsError> {
    let out = c
        .list_open_id_connect_providers()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("ListOpenIDConnectProviders", "the account", e))?;
    let suffix = format!(":oidc-provider/{host_path}");
    Ok(out
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn())
        .find(|arn| arn.ends_with(&suffix))
        .map(str::to_owned))
}

/// DeleteOpenIDConnectProvider.
pub async fn delete(c: &Client, arn: &str) -> Result<(), AwsError> {
    c.delete_open_id_connect_provider()
        .open_id_connect_provider_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteOpenIDConnectProvider", arn, e))?;
    Ok(())
}

/// Make the provider's client IDs `wanted`, given that it has `current`:
/// AddClientIDToOpenIDConnectProvider for each new one first, then
/// RemoveClientIDFromOpenIDConnectProvider for each one no longer wanted,
/// so that tokens for a kept audience are accepted throughout.
pub async fn update_client_ids(
    c: &Client,
    arn: &str,
    current: &[String],
    wanted: &[String],
) -> Result<(), AwsError> {
    let changes = client_id_changes(current, wanted);
    for id in &changes.add {
        c.add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .client_id(id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("AddClientIDToOpenIDConnectProvider", arn, e))?;
    }
    for id in &changes.remove {
        c.remove_client_id_from_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .client_id(id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("RemoveClientIDFromOpenIDConnectProvider", arn, e))?;
    }
    Ok(())
}

/// UpdateOpenIDConnectProviderThumbprint: replaces the whole list.
pub async fn set_thumbprints(
    c: &Client,
    arn: &str,
    thumbprints: &[String],
) -> Result<(), AwsError> {
    c.update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(arn)
        .set_thumbprint_list(Some(thumbprints.to_vec()))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("UpdateOpenIDConnectProviderThumbprint", arn, e))?;
    Ok(())
}

/// TagOpenIDConnectProvider / UntagOpenIDConnectProvider so that the tags
/// `current` become `wanted`.
pub async fn update_tags(
    c: &Client,
    arn: &str,
    current: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let changes = tag_changes(current, wanted);
    if !changes.remove.is_empty() {
        c.untag_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .set_tag_keys(Some(changes.remove.clone()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("UntagOpenIDConnectProvider", arn, e))?;
    }
    if !changes.set.is_empty() {
        c.tag_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .set_tags(Some(super::iam_tags(&changes.set)))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("TagOpenIDConnectProvider", arn, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The client-ID calls against a local stand-in for IAM that records each
    //! request and answers it with an empty success, so the real SDK
    //! serialization is exercised. (moto does not implement these calls.)

    use super::*;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// Serves until dropped; returns its endpoint and the form bodies seen.
    async fn fake_iam() -> (String, Arc<Mutex<Vec<BTreeMap<String, String>>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (head_end, len) = loop {
                        let n = sock.read(&mut chunk).await.unwrap();
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).to_string();
                        if let Some(i) = text.find("\r\n\r\n") {
                            let len = text[..i]
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("content-length")
                                        .then(|| v.trim().parse::<usize>().unwrap())
                                })
                                .unwrap_or(0);
                            break (i + 4, len);
                        }
                    };
                    while buf.len() < head_end + len {
                        let n = sock.read(&mut chunk).await.unwrap();
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).to_string();
                    let form: BTreeMap<String, String> = body
                        .split('&')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.to_owned(), v.replace("%2F", "/").replace("%3A", ":")))
                        .collect();
                    let action = form.get("Action").cloned().unwrap_or_default();
                    log.lock().unwrap().push(form);
                    let xml = format!(
                        "<{action}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
                         <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>"
                    );
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                        xml.len()
                    );
                    let _ = sock.write_all(reply.as_bytes()).await;
                });
            }
        });
        (endpoint, seen)
    }

    fn client(endpoint: &str) -> Client {
        let conf = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .endpoint_url(endpoint)
            .build();
        Client::from_conf(conf)
    }

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[tokio::test]
    async fn client_ids_are_added_before_others_are_removed() {
        let (endpoint, seen) = fake_iam().await;
        let c = client(&endpoint);
        let arn = "arn:aws:iam::123456789012:oidc-provider/b.s3.us-east-1.amazonaws.com";
        update_client_ids(
            &c,
            arn,
            &v(&["sts.amazonaws.com", "old-a", "old-b"]),
            &v(&["sts.amazonaws.com", "new"]),
        )
        .await
        .unwrap();
        let calls: Vec<(String, String, String)> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["Action"].clone(),
                    f["ClientID"].clone(),
                    f["OpenIDConnectProviderArn"].clone(),
                )
            })
            .collect();
        assert_eq!(
            calls,
            vec![
                (
                    "AddClientIDToOpenIDConnectProvider".into(),
                    "new".into(),
                    arn.into()
                ),
                (
                    "RemoveClientIDFromOpenIDConnectProvider".into(),
                    "old-a".into(),
                    arn.into()
                ),
                (
                    "RemoveClientIDFromOpenIDConnectProvider".into(),
                    "old-b".into(),
                    arn.into()
                ),
            ]
        );
    }

    #[tokio::test]
    async fn unchanged_client_ids_make_no_call() {
        let (endpoint, seen) = fake_iam().await;
        update_client_ids(
            &client(&endpoint),
            "arn:x",
            &v(&["a", "b"]),
            &v(&["b", "a"]),
        )
        .await
        .unwrap();
        assert!(seen.lock().unwrap().is_empty());
    }
}
