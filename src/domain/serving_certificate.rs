//! The rule for a serving certificate given with its private key and CA,
//! such as the pod identity webhook's: the key belongs to the certificate,
//! the CA signed the certificate (checked as a TLS client checks it, for
//! server authentication at a given time), and the certificate names the
//! DNS name clients dial. A refusal says which of the three inputs is wrong
//! and never quotes key material.

use der::asn1::ObjectIdentifier;
use der::Decode;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::certificates::{validate_ca_certificates_pem, CertificateError};

/// Which input a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Certificate,
    PrivateKey,
    CaCertificate,
}

/// Why a serving certificate, key and CA do not work together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServingError {
    #[error("{0}")]
    Pem(CertificateError),
    #[error("the private key cannot be read: give a PEM \"PRIVATE KEY\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\" (RSA, ECDSA P-256/P-384/P-521 or Ed25519)")]
    KeyUnreadable,
    #[error("the private key does not belong to the certificate: its public key differs from the certificate's")]
    KeyMismatch,
    #[error("the certificate is not signed by the CA ({0}); the API server would refuse it with \"x509: certificate signed by unknown authority\"")]
    NotSignedByCa(String),
    #[error("the certificate is not valid now ({0})")]
    NotValidNow(String),
    #[error("the certificate does not cover {name:?}, the name the API server connects to; its DNS names are {sans}")]
    NameNotCovered { name: String, sans: String },
}

/// Check `certificate_pem` (the leaf first, then any intermediates),
/// `private_key_pem` (when given: a key kept out of Terraform is not) and
/// `ca_pem` for serving `names` at `now` (seconds since the Unix epoch).
pub fn check_serving_certificate(
    certificate_pem: &str,
    private_key_pem: Option<&str>,
    ca_pem: &str,
    names: &[String],
    now: u64,
) -> Result<(), (Part, ServingError)> {
    let certs = certificate_ders(certificate_pem).map_err(|e| (Part::Certificate, e))?;
    let cas = certificate_ders(ca_pem).map_err(|e| (Part::CaCertificate, e))?;

    let leaf = x509_cert::Certificate::from_der(&certs[0]).map_err(|e| {
        (
            Part::Certificate,
            ServingError::Pem(CertificateError::Unreadable {
                index: 1,
                reason: e.to_string(),
            }),
        )
    })?;
    let cert_key = &leaf
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key;
    if let Some(pem) = private_key_pem {
        let key = rcgen::KeyPair::from_pem(pem)
            .map_err(|_| (Part::PrivateKey, ServingError::KeyUnreadable))?;
        if cert_key.raw_bytes() != key.public_key_raw() {
            return Err((Part::PrivateKey, ServingError::KeyMismatch));
        }
    }

    let leaf_der = CertificateDer::from(certs[0].clone());
    let ee = webpki::EndEntityCert::try_from(&leaf_der).map_err(|e| {
        (
            Part::Certificate,
            ServingError::NotSignedByCa(e.to_string()),
        )
    })?;
    let ca_ders: Vec<CertificateDer<'static>> = cas.into_iter().map(CertificateDer::from).collect();
    let anchors = ca_ders
        .iter()
        .map(|c| webpki::anchor_from_trusted_cert(c).map(|a| a.to_owned()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            (
                Part::CaCertificate,
                ServingError::Pem(CertificateError::Unreadable {
                    index: 1,
                    reason: e.to_string(),
                }),
            )
        })?;
    let intermediates: Vec<CertificateDer<'static>> = certs[1..]
        .iter()
        .cloned()
        .map(CertificateDer::from)
        .collect();
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now));
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &intermediates,
        time,
        webpki::KeyUsage::server_auth(),
        None,
        None,
    )
    .map_err(|e| {
        let reason = e.to_string();
        let err = match e {
            webpki::Error::CertExpired { .. } | webpki::Error::CertNotValidYet { .. } => {
                ServingError::NotValidNow(reason)
            }
            _ => ServingError::NotSignedByCa(reason),
        };
        (Part::Certificate, err)
    })?;

    for name in names {
        let server = ServerName::try_from(name.as_str()).map_err(|e| {
            (
                Part::Certificate,
                ServingError::NameNotCovered {
                    name: name.clone(),
                    sans: e.to_string(),
                },
            )
        })?;
        if ee.verify_is_valid_for_subject_name(&server).is_err() {
            return Err((
                Part::Certificate,
                ServingError::NameNotCovered {
                    name: name.clone(),
                    sans: dns_names(&leaf),
                },
            ));
        }
    }
    Ok(())
}

/// The DER of every certificate of a PEM bundle, after the PEM rule.
fn certificate_ders(pem_text: &str) -> Result<Vec<Vec<u8>>, ServingError> {
    validate_ca_certificates_pem(pem_text).map_err(ServingError::Pem)?;
    let blocks = pem::parse_many(pem_text)
        .map_err(|e| ServingError::Pem(CertificateError::Malformed(e.to_string())))?;
    Ok(blocks.into_iter().map(pem::Pem::into_contents).collect())
}

const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// The certificate's DNS subject alternative names, quoted, for a message.
fn dns_names(cert: &x509_cert::Certificate) -> String {
    use x509_cert::ext::pkix::{name::GeneralName, SubjectAltName};
    let mut names = Vec::new();
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        if ext.extn_id != SUBJECT_ALT_NAME {
            continue;
        }
        if let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) {
            for n in san.0 {
                if let GeneralName::DnsName(d) = n {
                    names.push(format!("{:?}", d.as_str()));
                }
            }
        }
    }
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };

    const NOW: u64 = 1_800_000_000;

    struct Ca {
        pem: String,
        issuer: Issuer<'static, KeyPair>,
    }

    fn ca(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = p.self_signed(&key).unwrap();
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(p, key),
        }
    }

    fn leaf(ca: &Ca, names: &[&str]) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.not_after = rcgen::date_time_ymd(2040, 1, 1);
        let cert = p.signed_by(&key, &ca.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    fn names() -> Vec<String> {
        vec![
            "pod-identity-webhook.kube-system.svc".into(),
            "pod-identity-webhook.kube-system.svc.cluster.local".into(),
        ]
    }

    const SANS: [&str; 2] = [
        "pod-identity-webhook.kube-system.svc",
        "pod-identity-webhook.kube-system.svc.cluster.local",
    ];

    #[test]
    fn a_matching_triple_passes() {
        let ca = ca("webhook CA");
        let (cert, key) = leaf(&ca, &SANS);
        assert_eq!(
            check_serving_certificate(&cert, Some(&key), &ca.pem, &names(), NOW),
            Ok(())
        );
    }

    #[test]
    fn each_mismatch_names_its_part() {
        let ca1 = ca("one");
        let ca2 = ca("two");
        let (cert, key) = leaf(&ca1, &SANS);
        let (_, other_key) = leaf(&ca1, &SANS);

        let e = check_serving_certificate(&cert, Some(&other_key), &ca1.pem, &names(), NOW)
            .unwrap_err();
        assert_eq!(e, (Part::PrivateKey, ServingError::KeyMismatch));

        let e = check_serving_certificate(&cert, Some(&key), &ca2.pem, &names(), NOW).unwrap_err();
        assert_eq!(e.0, Part::Certificate);
        assert!(matches!(e.1, ServingError::NotSignedByCa(_)), "{e:?}");
        assert!(e.1.to_string().contains("unknown authority"));

        let (narrow, narrow_key) = leaf(&ca1, &["pod-identity-webhook"]);
        let e = check_serving_certificate(&narrow, Some(&narrow_key), &ca1.pem, &names(), NOW)
            .unwrap_err();
        assert_eq!(e.0, Part::Certificate);
        match &e.1 {
            ServingError::NameNotCovered { name, sans } => {
                assert_eq!(name, "pod-identity-webhook.kube-system.svc");
                assert_eq!(sans, "\"pod-identity-webhook\"");
            }
            other => panic!("{other:?}"),
        }

        let e =
            check_serving_certificate(&cert, Some("junk"), &ca1.pem, &names(), NOW).unwrap_err();
        assert_eq!(e, (Part::PrivateKey, ServingError::KeyUnreadable));
        let e = check_serving_certificate(&cert, Some(&key), "junk", &names(), NOW).unwrap_err();
        assert_eq!(e.0, Part::CaCertificate);
        let e = check_serving_certificate(&key, Some(&key), &ca1.pem, &names(), NOW).unwrap_err();
        assert_eq!(e.0, Part::Certificate);
        assert!(!format!("{e:?}").contains("MII"), "no key material: {e:?}");
    }

    /// The fixtures were made with openssl, independently of this code.
    #[test]
    fn the_openssl_fixtures_pass_and_a_foreign_key_does_not() {
        let ca = include_str!("testdata/webhook_ca.cert.pem");
        let cert = include_str!("testdata/webhook_tls.cert.pem");
        let key = include_str!("testdata/webhook_tls.throwaway.key.pem");
        let other = include_str!("testdata/throwaway.key.pem");
        let other_ec = include_str!("testdata/throwaway.ec.key.pem");
        assert_eq!(
            check_serving_certificate(cert, Some(key), ca, &names(), NOW),
            Ok(())
        );
        for foreign in [other, other_ec] {
            assert_eq!(
                check_serving_certificate(cert, Some(foreign), ca, &names(), NOW),
                Err((Part::PrivateKey, ServingError::KeyMismatch))
            );
        }
        // The CA is not a serving certificate for the webhook.
        assert!(check_serving_certificate(ca, Some(key), ca, &names(), NOW).is_err());
    }

    #[test]
    fn an_expired_certificate_is_not_valid_now() {
        let ca = ca("ca");
        let (cert, key) = leaf(&ca, &SANS);
        let after_2040 = 2_300_000_000;
        let e = check_serving_certificate(&cert, Some(&key), &ca.pem, &names(), after_2040)
            .unwrap_err();
        assert!(matches!(e.1, ServingError::NotValidNow(_)), "{e:?}");
    }
}
