//! The IRSA trust chain, checked end to end the way AWS STS checks it.
//!
//! moto's `AssumeRoleWithWebIdentity` accepts any token, so it proves
//! nothing about the chain. This module plays both ends instead:
//!
//! - the cluster: a service-account signing key ([`SigningKey`]) mints
//!   Kubernetes-style tokens (`kid` header; `iss`, `sub`, `aud`, `exp`,
//!   `iat`, `nbf` claims) for whatever issuer the apiserver flag says;
//! - the relying party ([`RelyingParty`]): given only a token and a role ARN,
//!   it uses nothing but what the workflow published: the discovery document
//!   and the JWKS (read from the bucket through the S3 API, since the
//!   emulator cannot serve the public URLs), the IAM OIDC provider and the
//!   role's trust policy (read through the IAM API). Then it calls
//!   `AssumeRoleWithWebIdentity`.
//!
//! The checks are this module's own code: signatures are verified with
//! aws-lc-rs from the JWK's members, issuers are compared byte for byte,
//! trust-policy conditions are evaluated here. Nothing comes from the
//! provider's crate, so a mistake there cannot hide itself. Every failure
//! names the [`Step`] at which the chain broke.
//!
//! Used by `tests/integration/e2e_workflows.rs`, as an oracle independent of
//! the product's own trust check (`irsa_trust_check`).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

/// The audience the EKS pod identity webhook puts in projected tokens.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";

/// Where the chain broke, in the order the relying party checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The token is not a well-formed JWS with a `kid` header and the claims
    /// IRSA needs.
    Token,
    /// The discovery document at `<iss>/.well-known/openid-configuration`
    /// cannot be read or is not a JSON object with `issuer` and `jwks_uri`.
    Discovery,
    /// The token's `iss` and the discovery document's `issuer` differ, even
    /// by one byte (a trailing slash, say).
    IssuerMismatch,
    /// No IAM OpenID Connect provider has exactly the token's issuer as URL.
    OidcProvider,
    /// The document at `jwks_uri` cannot be read or is not a key set.
    Jwks,
    /// No key in the JWKS carries the token's `kid`.
    KeyNotFound,
    /// The key is there but the signature does not verify with it, or the
    /// header's `alg` does not fit the key or is not announced.
    Signature,
    /// The token has expired or is not valid yet.
    Lifetime,
    /// None of the token's audiences is a client ID of the OIDC provider.
    Audience,
    /// The role's trust policy does not allow this token.
    TrustPolicy,
    /// `AssumeRoleWithWebIdentity` failed.
    Sts,
}

/// A broken link: the step, and what exactly was wrong.
#[derive(Clone, Debug)]
pub struct Failure {
    pub step: Step,
    pub detail: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.step, self.detail)
    }
}

impl std::error::Error for Failure {}

fn fail<T>(step: Step, detail: impl Into<String>) -> Result<T, Failure> {
    Err(Failure {
        step,
        detail: detail.into(),
    })
}

// ------------------------------------------------------------ the cluster

enum Signer {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A service-account signing key, as kube-apiserver holds it
/// (`--service-account-signing-key-file`).
pub struct SigningKey {
    signer: Signer,
    spki_der: Vec<u8>,
}

impl SigningKey {
    /// A fresh RSA 2048 key (kubeadm, Cluster API).
    pub fn generate_rsa() -> SigningKey {
        let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("RSA key");
        Self::from_rsa(pair)
    }

    /// A fresh ECDSA P-256 key (Talos).
    pub fn generate_ec_p256() -> SigningKey {
        let pair =
            EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).expect("EC key");
        Self::from_ec(pair)
    }

    /// Reads a private key PEM: `PRIVATE KEY` (PKCS#8, RSA or P-256, as
    /// `openssl genpkey` writes) or `RSA PRIVATE KEY` (PKCS#1, kubeadm's
    /// `sa.key`).
    pub fn from_pem(text: &str) -> Result<SigningKey, String> {
        let block = pem::parse(text).map_err(|e| format!("not a PEM private key: {e}"))?;
        match block.tag() {
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(block.contents())
                .map(Self::from_rsa)
                .map_err(|e| format!("RSA PRIVATE KEY: {e}")),
            "PRIVATE KEY" => {
                if let Ok(pair) = RsaKeyPair::from_pkcs8(block.contents()) {
                    return Ok(Self::from_rsa(pair));
                }
                EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    block.contents(),
                )
                .map(Self::from_ec)
                .map_err(|e| format!("PRIVATE KEY is neither RSA nor EC P-256: {e}"))
            }
            other => Err(format!("{other} is not a private key")),
        }
    }

    fn from_rsa(pair: RsaKeyPair) -> SigningKey {
        let spki_der = pair.public_key().as_der().expect("SPKI").as_ref().to_vec();
        SigningKey {
            signer: Signer::Rsa(pair),
            spki_der,
        }
    }

    fn from_ec(pair: EcdsaKeyPair) -> SigningKey {
        let der: PublicKeyX509Der = pair.public_key().as_der().expect("SPKI");
        SigningKey {
            spki_der: der.as_ref().to_vec(),
            signer: Signer::Ec(pair),
        }
    }

    /// The public half as a `PUBLIC KEY` PEM (what `sa.pub` holds).
    pub fn public_key_pem(&self) -> String {
        pem::encode(&pem::Pem::new("PUBLIC KEY", self.spki_der.clone()))
    }

    /// The key ID kube-apiserver puts in token headers: unpadded base64url of
    /// the SHA-256 of the DER `SubjectPublicKeyInfo`.
    pub fn kid(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(&self.spki_der))
    }

    /// The JWS algorithm the apiserver signs with for this key.
    pub fn alg(&self) -> &'static str {
        match self.signer {
            Signer::Rsa(_) => "RS256",
            Signer::Ec(_) => "ES256",
        }
    }

    /// The JWKS the apiserver itself serves at `/openid/v1/jwks` for this key.
    pub fn apiserver_jwks(&self) -> String {
        let mut jwk = json!({"use": "sig", "kid": self.kid(), "alg": self.alg()});
        match &self.signer {
            Signer::Rsa(pair) => {
                let public = pair.public_key();
                let components = rsa_components(public.as_ref());
                jwk["kty"] = json!("RSA");
                jwk["n"] = json!(URL_SAFE_NO_PAD.encode(components.0));
                jwk["e"] = json!(URL_SAFE_NO_PAD.encode(components.1));
            }
            Signer::Ec(pair) => {
                let point = pair.public_key().as_ref();
                jwk["kty"] = json!("EC");
                jwk["crv"] = json!("P-256");
                jwk["x"] = json!(URL_SAFE_NO_PAD.encode(&point[1..33]));
                jwk["y"] = json!(URL_SAFE_NO_PAD.encode(&point[33..65]));
            }
        }
        json!({ "keys": [jwk] }).to_string()
    }

    /// A signed token for `claims`, with `kid` in the header.
    pub fn token(&self, claims: &Claims) -> String {
        self.token_with_kid(claims, &self.kid())
    }

    /// A signed token whose header names `kid`, whatever key signed it.
    pub fn token_with_kid(&self, claims: &Claims, kid: &str) -> String {
        let header = json!({"alg": self.alg(), "kid": kid});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_json().to_string())
        );
        let rng = SystemRandom::new();
        let sig = match &self.signer {
            Signer::Rsa(pair) => {
                let mut sig = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &rng,
                    signing_input.as_bytes(),
                    &mut sig,
                )
                .expect("RSA signature");
                sig
            }
            Signer::Ec(pair) => pair
                .sign(&rng, signing_input.as_bytes())
                .expect("EC signature")
                .as_ref()
                .to_vec(),
        };
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}

/// (n, e) from an RSAPublicKey (PKCS#1) DER: SEQUENCE { INTEGER n, INTEGER e },
/// leading zero bytes dropped.
fn rsa_components(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    fn tlv(input: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = input[0];
        let (len, start) = if input[1] < 0x80 {
            (input[1] as usize, 2)
        } else {
            let n = (input[1] & 0x7f) as usize;
            let len = input[2..2 + n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | *b as usize);
            (len, 2 + n)
        };
        (tag, &input[start..start + len], &input[start + len..])
    }
    let (_, seq, _) = tlv(der);
    let (_, n, rest) = tlv(seq);
    let (_, e, _) = tlv(rest);
    let strip = |v: &[u8]| {
        let i = v.iter().position(|b| *b != 0).unwrap_or(v.len());
        v[i..].to_vec()
    };
    (strip(n), strip(e))
}

/// The claims of a projected service-account token.
#[derive(Clone, Debug)]
pub struct Claims {
    /// `iss`: the apiserver's `--service-account-issuer`, as given.
    pub issuer: String,
    pub namespace: String,
    pub service_account: String,
    /// `aud`, a list as Kubernetes writes it.
    pub audiences: Vec<String>,
    /// `iat` and `nbf`, seconds since the epoch.
    pub issued_at: u64,
    /// `exp`.
    pub expires_at: u64,
}

impl Claims {
    /// A token valid for an hour from now for `<namespace>:<name>`, with the
    /// default audience.
    pub fn new(issuer: &str, service_account: &str) -> Claims {
        let (namespace, name) = service_account
            .split_once(':')
            .expect("service account as <namespace>:<name>");
        let now = now();
        Claims {
            issuer: issuer.to_owned(),
            namespace: namespace.to_owned(),
            service_account: name.to_owned(),
            audiences: vec![DEFAULT_AUDIENCE.to_owned()],
            issued_at: now,
            expires_at: now + 3600,
        }
    }

    pub fn with_audience(mut self, audience: &str) -> Claims {
        self.audiences = vec![audience.to_owned()];
        self
    }

    /// `system:serviceaccount:<namespace>:<name>`.
    pub fn subject(&self) -> String {
        format!(
            "system:serviceaccount:{}:{}",
            self.namespace, self.service_account
        )
    }

    fn to_json(&self) -> Json {
        json!({
            "aud": self.audiences,
            "exp": self.expires_at,
            "iat": self.issued_at,
            "iss": self.issuer,
            "kubernetes.io": {
                "namespace": self.namespace,
                "serviceaccount": {"name": self.service_account, "uid": "0d5f3c2e-1b7a-4c55-9d1e-5a3b2c1d0e9f"}
            },
            "nbf": self.issued_at,
            "sub": self.subject(),
        })
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

// ------------------------------------------------------ the relying party

/// What a successful check established.
#[derive(Clone, Debug)]
pub struct Verified {
    pub issuer: String,
    pub kid: String,
    pub subject: String,
    pub audience: String,
    pub oidc_provider_arn: String,
    /// The `Statement` index of the trust policy that allowed the token.
    pub statement: usize,
    /// `AssumedRoleUser.Arn` from STS.
    pub assumed_role_arn: String,
}

/// STS's part, played with the S3, IAM and STS APIs of one endpoint.
pub struct RelyingParty {
    runtime: tokio::runtime::Runtime,
    s3: aws_sdk_s3::Client,
    iam: aws_sdk_iam::Client,
    sts: aws_sdk_sts::Client,
}

impl RelyingParty {
    /// Clients for an AWS-compatible endpoint (the emulator) with the fake
    /// credentials it takes, in `us-east-1`, S3 path-style.
    pub fn emulator(endpoint: &str) -> RelyingParty {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let config = runtime.block_on(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("us-east-1"))
                .endpoint_url(endpoint)
                .credentials_provider(aws_sdk_sts::config::Credentials::new(
                    "testing", "testing", None, None, "emulator",
                ))
                .load(),
        );
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        RelyingParty {
            s3,
            iam: aws_sdk_iam::Client::new(&config),
            sts: aws_sdk_sts::Client::new(&config),
            runtime,
        }
    }

    /// Checks `token` for `role_arn` from end to end, as STS would, and
    /// finally calls `AssumeRoleWithWebIdentity`.
    pub fn check(&self, token: &str, role_arn: &str) -> Result<Verified, Failure> {
        self.runtime.block_on(self.check_async(token, role_arn))
    }

    async fn check_async(&self, token: &str, role_arn: &str) -> Result<Verified, Failure> {
        // The token: header, claims, signature.
        let parts: Vec<&str> = token.split('.').collect();
        let [header_b64, claims_b64, sig_b64] = parts[..] else {
            return fail(Step::Token, "not three dot-separated parts");
        };
        let header = decode_json(header_b64).or_else(|e| fail(Step::Token, e))?;
        let claims = decode_json(claims_b64).or_else(|e| fail(Step::Token, e))?;
        let signature = URL_SAFE_NO_PAD
            .decode(sig_b64)
            .or_else(|e| fail(Step::Token, format!("signature: {e}")))?;
        let Some(kid) = header["kid"].as_str() else {
            return fail(Step::Token, "no kid in the header");
        };
        let Some(alg) = header["alg"].as_str() else {
            return fail(Step::Token, "no alg in the header");
        };
        let Some(iss) = claims["iss"].as_str() else {
            return fail(Step::Token, "no iss claim");
        };
        let Some(sub) = claims["sub"].as_str() else {
            return fail(Step::Token, "no sub claim");
        };
        let audiences: Vec<&str> = match &claims["aud"] {
            Json::String(s) => vec![s.as_str()],
            Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
            _ => return fail(Step::Token, "no aud claim"),
        };
        let (Some(exp), Some(iat)) = (claims["exp"].as_u64(), claims["iat"].as_u64()) else {
            return fail(Step::Token, "exp and iat must be numbers");
        };

        // Discovery: <iss>/.well-known/openid-configuration. OpenID Connect
        // Discovery 1.0 §4: a terminating "/" of the issuer is removed
        // before appending the path, so a trailing slash still finds the
        // document, and the comparison below rejects it.
        let Some(iss_host_path) = iss.strip_prefix("https://") else {
            return fail(Step::Discovery, format!("issuer {iss:?} is not https://"));
        };
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            iss.trim_end_matches('/')
        );
        let discovery = self
            .get_json(&discovery_url)
            .await
            .or_else(|e| fail(Step::Discovery, e))?;
        let (Some(doc_issuer), Some(jwks_uri)) =
            (discovery["issuer"].as_str(), discovery["jwks_uri"].as_str())
        else {
            return fail(
                Step::Discovery,
                format!("{discovery_url}: no issuer or jwks_uri"),
            );
        };
        if doc_issuer.as_bytes() != iss.as_bytes() {
            return fail(
                Step::IssuerMismatch,
                format!("token iss {iss:?} but discovery document issuer {doc_issuer:?}"),
            );
        }

        // IAM: an OIDC provider whose URL is exactly the issuer (IAM keeps it
        // without the scheme).
        let (provider_arn, client_ids) = self
            .oidc_provider(iss_host_path)
            .await
            .or_else(|e| fail(Step::OidcProvider, e))?;

        // The JWKS, and the key by kid.
        let jwks = self
            .get_json(jwks_uri)
            .await
            .or_else(|e| fail(Step::Jwks, e))?;
        let Some(keys) = jwks["keys"].as_array() else {
            return fail(Step::Jwks, format!("{jwks_uri}: no keys array"));
        };
        let published: Vec<&str> = keys.iter().filter_map(|k| k["kid"].as_str()).collect();
        let Some(jwk) = keys.iter().find(|k| k["kid"].as_str() == Some(kid)) else {
            return fail(
                Step::KeyNotFound,
                format!("kid {kid} is not in {jwks_uri} (published: {published:?})"),
            );
        };

        // The signature.
        let announced: Vec<&str> = discovery["id_token_signing_alg_values_supported"]
            .as_array()
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        if !announced.contains(&alg) {
            return fail(
                Step::Signature,
                format!("alg {alg} is not announced by the discovery document ({announced:?})"),
            );
        }
        let signing_input = format!("{header_b64}.{claims_b64}");
        verify_signature(jwk, alg, signing_input.as_bytes(), &signature)
            .or_else(|e| fail(Step::Signature, e))?;

        // Lifetime, with a minute of clock skew.
        let now = now();
        if exp + 60 < now || iat > now + 60 {
            return fail(Step::Lifetime, format!("iat {iat}, exp {exp}, now {now}"));
        }

        // Audience: one of the provider's client IDs.
        let Some(audience) = audiences
            .iter()
            .find(|a| client_ids.iter().any(|c| c == *a))
        else {
            return fail(
                Step::Audience,
                format!("aud {audiences:?}, but the OIDC provider accepts {client_ids:?}"),
            );
        };

        // The role's trust policy.
        let role_name = role_arn.rsplit('/').next().unwrap_or(role_arn);
        let role = self
            .iam
            .get_role()
            .role_name(role_name)
            .send()
            .await
            .or_else(|e| {
                fail(
                    Step::TrustPolicy,
                    format!("GetRole {role_name}: {}", sdk_error(&e)),
                )
            })?;
        let encoded = role
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .unwrap_or_default();
        let policy_text = percent_encoding::percent_decode_str(encoded)
            .decode_utf8()
            .map(|s| s.into_owned())
            .unwrap_or_else(|_| encoded.to_owned());
        let policy: Json = serde_json::from_str(&policy_text).or_else(|e| {
            fail(
                Step::TrustPolicy,
                format!("trust policy is not JSON ({e}): {policy_text}"),
            )
        })?;
        let context = BTreeMap::from([
            (format!("{iss_host_path}:sub"), sub.to_owned()),
            (format!("{iss_host_path}:aud"), audience.to_string()),
        ]);
        let statement = evaluate_trust_policy(&policy, &provider_arn, &context)
            .or_else(|e| fail(Step::TrustPolicy, e))?;

        // STS.
        let assumed = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(role_arn)
            .role_session_name("trust-chain-check")
            .web_identity_token(token)
            .send()
            .await
            .or_else(|e| fail(Step::Sts, sdk_error(&e)))?;
        let Some(assumed_role_arn) = assumed.assumed_role_user().map(|u| u.arn().to_owned()) else {
            return fail(Step::Sts, "no AssumedRoleUser in the answer");
        };
        if assumed.credentials().is_none() {
            return fail(Step::Sts, "no credentials in the answer");
        }
        Ok(Verified {
            issuer: iss.to_owned(),
            kid: kid.to_owned(),
            subject: sub.to_owned(),
            audience: audience.to_string(),
            oidc_provider_arn: provider_arn,
            statement,
            assumed_role_arn,
        })
    }

    /// Reads a public S3 URL's object through the S3 API, as JSON.
    async fn get_json(&self, url: &str) -> Result<Json, String> {
        let (bucket, key) = s3_location(url)?;
        let object = self
            .s3
            .get_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| format!("{url} (s3://{bucket}/{key}): {}", sdk_error(&e)))?;
        let body = object
            .body
            .collect()
            .await
            .map_err(|e| format!("{url}: {e}"))?
            .into_bytes();
        serde_json::from_slice(&body).map_err(|e| format!("{url} is not JSON: {e}"))
    }

    /// The ARN and client IDs of the OIDC provider whose URL is `host_path`.
    async fn oidc_provider(&self, host_path: &str) -> Result<(String, Vec<String>), String> {
        let list = self
            .iam
            .list_open_id_connect_providers()
            .send()
            .await
            .map_err(|e| format!("ListOpenIDConnectProviders: {}", sdk_error(&e)))?;
        let mut seen = vec![];
        for entry in list.open_id_connect_provider_list() {
            let Some(arn) = entry.arn() else { continue };
            let provider = match self
                .iam
                .get_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .send()
                .await
            {
                Ok(p) => p,
                // Deleted since the list was made (by another test sharing
                // the emulator): not the one wanted.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_no_such_entity_exception()) =>
                {
                    continue
                }
                Err(e) => return Err(format!("GetOpenIDConnectProvider {arn}: {}", sdk_error(&e))),
            };
            let url = provider.url().unwrap_or_default();
            // IAM keeps the URL without the scheme, as moto does.
            if url.as_bytes() == host_path.as_bytes() {
                return Ok((arn.to_owned(), provider.client_id_list().to_vec()));
            }
            seen.push(url.to_owned());
        }
        Err(format!(
            "no OIDC provider has the URL {host_path:?} (there are {seen:?})"
        ))
    }
}

fn decode_json(part: &str) -> Result<Json, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| format!("not base64url: {e}"))?;
    let value: Json = serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err("not a JSON object".into())
    }
}

fn sdk_error<E: std::error::Error + 'static>(e: &E) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Bucket and key of a public S3 URL, virtual-hosted
/// (`https://<bucket>.s3.<region>.amazonaws.com/<key>`) or path-style
/// (`https://s3.<region>.amazonaws.com/<bucket>/<key>`).
pub fn s3_location(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("{url:?} is not https://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let domain = [".amazonaws.com", ".amazonaws.com.cn"]
        .iter()
        .find_map(|d| host.strip_suffix(d))
        .ok_or_else(|| format!("{url:?} is not an S3 URL"))?;
    if domain == "s3" || (domain.starts_with("s3.") && !domain[3..].contains('.')) {
        let (bucket, key) = path
            .split_once('/')
            .ok_or_else(|| format!("{url:?} names no object"))?;
        return Ok((bucket.to_owned(), key.to_owned()));
    }
    let bucket = domain
        .rsplit_once(".s3.")
        .map(|(b, _)| b)
        .or_else(|| domain.strip_suffix(".s3"))
        .ok_or_else(|| format!("{url:?} is not an S3 URL"))?;
    if path.is_empty() {
        return Err(format!("{url:?} names no object"));
    }
    Ok((bucket.to_owned(), path.to_owned()))
}

/// Verifies `token`'s signature against the key set `jwks` with the relying
/// party's own code: the key found by the header's `kid`, the signature
/// checked from the JWK's members. Returns the claims, which it does not
/// check (for a token whose issuer publishes nothing, such as one the
/// stand-in API server minted in a test of its own).
pub fn verify_with_jwks(token: &str, jwks: &str) -> Result<Json, Failure> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header_b64, claims_b64, sig_b64] = parts[..] else {
        return fail(Step::Token, "not three dot-separated parts");
    };
    let header = decode_json(header_b64).or_else(|e| fail(Step::Token, e))?;
    let claims = decode_json(claims_b64).or_else(|e| fail(Step::Token, e))?;
    let signature = URL_SAFE_NO_PAD
        .decode(sig_b64)
        .or_else(|e| fail(Step::Token, format!("signature: {e}")))?;
    let (Some(kid), Some(alg)) = (header["kid"].as_str(), header["alg"].as_str()) else {
        return fail(Step::Token, "no kid or no alg in the header");
    };
    let jwks: Json =
        serde_json::from_str(jwks).or_else(|e| fail(Step::Jwks, format!("not JSON: {e}")))?;
    let Some(jwk) = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"].as_str() == Some(kid)))
    else {
        return fail(
            Step::KeyNotFound,
            format!("kid {kid} is not in the key set"),
        );
    };
    let signing_input = format!("{header_b64}.{claims_b64}");
    verify_signature(jwk, alg, signing_input.as_bytes(), &signature)
        .or_else(|e| fail(Step::Signature, e))?;
    Ok(claims)
}

/// Verifies a JWS signature with the key's JWK members.
fn verify_signature(jwk: &Json, alg: &str, message: &[u8], sig: &[u8]) -> Result<(), String> {
    let member = |name: &str| -> Result<Vec<u8>, String> {
        let text = jwk[name]
            .as_str()
            .ok_or_else(|| format!("the JWK has no {name}"))?;
        URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|e| format!("JWK member {name}: {e}"))
    };
    if let Some(key_alg) = jwk["alg"].as_str() {
        if key_alg != alg {
            return Err(format!("token alg {alg}, but the key is for {key_alg}"));
        }
    }
    let ok = match (alg, jwk["kty"].as_str(), jwk["crv"].as_str()) {
        ("RS256", Some("RSA"), _) => signature::RsaPublicKeyComponents {
            n: member("n")?,
            e: member("e")?,
        }
        .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
        .is_ok(),
        ("ES256" | "ES384", Some("EC"), Some(crv)) => {
            let (verifier, expected): (&'static signature::EcdsaVerificationAlgorithm, _) =
                match alg {
                    "ES256" => (&signature::ECDSA_P256_SHA256_FIXED, "P-256"),
                    _ => (&signature::ECDSA_P384_SHA384_FIXED, "P-384"),
                };
            if crv != expected {
                return Err(format!("{alg} needs a {expected} key, the JWK is {crv}"));
            }
            let mut point = vec![0x04];
            point.extend(member("x")?);
            point.extend(member("y")?);
            signature::UnparsedPublicKey::new(verifier, point)
                .verify(message, sig)
                .is_ok()
        }
        (alg, kty, _) => return Err(format!("alg {alg} with a key of type {kty:?}")),
    };
    if ok {
        Ok(())
    } else {
        Err("the signature does not verify with the published key".into())
    }
}

// ------------------------------------------------------- IAM policy logic

/// Evaluates a trust policy as IAM does for `AssumeRoleWithWebIdentity` by
/// a token of `provider_arn` with the condition keys in `context`: some
/// `Allow` statement must match (action, `Federated` principal, and every
/// condition), and no `Deny` statement may. Returns the allowing statement's
/// index. Only the operators trust policies for IRSA use are known
/// (`StringEquals`, `StringLike`, `StringNotEquals`, `StringNotLike`); an
/// unknown one never matches, so it fails closed.
pub fn evaluate_trust_policy(
    policy: &Json,
    provider_arn: &str,
    context: &BTreeMap<String, String>,
) -> Result<usize, String> {
    let statements: Vec<&Json> = match &policy["Statement"] {
        Json::Array(a) => a.iter().collect(),
        s @ Json::Object(_) => vec![s],
        _ => return Err("the trust policy has no Statement".into()),
    };
    let mut allowed = None;
    let mut reasons = vec![];
    for (i, s) in statements.iter().enumerate() {
        match statement_matches(s, provider_arn, context) {
            Ok(()) if s["Effect"] == "Deny" => return Err(format!("statement {i} denies")),
            Ok(()) if s["Effect"] == "Allow" => {
                allowed.get_or_insert(i);
            }
            Ok(()) => reasons.push(format!("statement {i}: Effect {}", s["Effect"])),
            Err(why) => reasons.push(format!("statement {i}: {why}")),
        }
    }
    allowed.ok_or_else(|| format!("no statement allows the token ({})", reasons.join("; ")))
}

fn as_list(v: &Json) -> Vec<String> {
    match v {
        Json::String(s) => vec![s.clone()],
        Json::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

fn statement_matches(
    s: &Json,
    provider_arn: &str,
    context: &BTreeMap<String, String>,
) -> Result<(), String> {
    let action = "sts:AssumeRoleWithWebIdentity";
    if !as_list(&s["Action"])
        .iter()
        .any(|a| string_like(&a.to_ascii_lowercase(), &action.to_ascii_lowercase()))
    {
        return Err(format!("action is not {action}"));
    }
    if !as_list(&s["Principal"]["Federated"])
        .iter()
        .any(|p| p == provider_arn)
    {
        return Err(format!("principal is not {provider_arn}"));
    }
    let empty = serde_json::Map::new();
    for (operator, keys) in s["Condition"].as_object().unwrap_or(&empty) {
        for (key, values) in keys.as_object().unwrap_or(&empty) {
            let values = as_list(values);
            // Condition keys are case-insensitive; their values are not.
            let actual = context
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.as_str());
            let holds = match (operator.as_str(), actual) {
                ("StringEquals", Some(v)) => values.iter().any(|x| x == v),
                ("StringLike", Some(v)) => values.iter().any(|x| string_like(x, v)),
                ("StringNotEquals", Some(v)) => values.iter().all(|x| x != v),
                ("StringNotLike", Some(v)) => values.iter().all(|x| !string_like(x, v)),
                ("StringNotEquals" | "StringNotLike", None) => true,
                _ => false,
            };
            if !holds {
                return Err(format!(
                    "{operator} {key} {values:?} does not hold for {}",
                    actual.map_or("an absent key".to_owned(), |v| format!("{v:?}"))
                ));
            }
        }
    }
    Ok(())
}

/// IAM's `StringLike`: `*` any run of characters, `?` exactly one.
pub fn string_like(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let (mut pi, mut vi, mut star, mut mark) = (0, 0, None, 0);
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}
