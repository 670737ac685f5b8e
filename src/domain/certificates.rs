//! The one rule for PEM CA certificates given as attributes (such as a
//! cluster's `cluster_ca_certificate`): one or more `CERTIFICATE` blocks,
//! each a readable X.509 certificate, and never a private key.

use der::Decode;

/// Why a CA certificate attribute cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// No PEM block at all.
    #[error(
        "no PEM certificate was found (a certificate starts with \"-----BEGIN CERTIFICATE-----\")"
    )]
    NoCertificate,
    /// The PEM armour or base64 is broken.
    #[error("the PEM text cannot be read: {0}")]
    Malformed(String),
    /// A private key where a certificate belongs; never echoed.
    #[error("block {index} is a private key ({label}); give the CA certificate, and keep the key out of the configuration")]
    PrivateKey { index: usize, label: String },
    /// Another kind of PEM block.
    #[error("block {index} is a {label:?}; only \"CERTIFICATE\" blocks are accepted")]
    Label { index: usize, label: String },
    /// A `CERTIFICATE` block that is not an X.509 certificate.
    #[error("block {index} is not a readable X.509 certificate: {reason}")]
    Unreadable { index: usize, reason: String },
}

/// Check a PEM private key (PKCS#8, PKCS#1 or SEC 1): one block whose label
/// names a private key. The message never quotes the key.
pub fn validate_private_key_pem(input: &str) -> Result<(), CertificateError> {
    let blocks = pem::parse_many(input)
        .map_err(|_| CertificateError::Malformed("the text is not a PEM private key".into()))?;
    match blocks.as_slice() {
        [one] if one.tag().ends_with("PRIVATE KEY") && !one.tag().contains("ENCRYPTED") => Ok(()),
        [one] => Err(CertificateError::Malformed(format!(
            "the block is a {:?}, not an unencrypted PRIVATE KEY",
            one.tag()
        ))),
        _ => Err(CertificateError::Malformed(format!(
            "expected one PEM private key block, found {} blocks",
            blocks.len()
        ))),
    }
}

/// Check a PEM bundle of CA certificates; returns how many it holds.
pub fn validate_ca_certificates_pem(input: &str) -> Result<usize, CertificateError> {
    // Refuse a private key before decoding anything, so that its content
    // never reaches an error message.
    for (i, line) in input
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("-----BEGIN "))
        .enumerate()
    {
        let label = line.trim_start_matches("-----BEGIN ").trim_end_matches('-');
        if label.contains("PRIVATE KEY") {
            return Err(CertificateError::PrivateKey {
                index: i + 1,
                label: label.to_owned(),
            });
        }
    }
    let blocks = pem::parse_many(input).map_err(|e| CertificateError::Malformed(e.to_string()))?;
    if blocks.is_empty() {
        return Err(CertificateError::NoCertificate);
    }
    for (i, block) in blocks.iter().enumerate() {
        if block.tag() != "CERTIFICATE" {
            return Err(CertificateError::Label {
                index: i + 1,
                label: block.tag().to_owned(),
            });
        }
        x509_cert::Certificate::from_der(block.contents()).map_err(|e| {
            CertificateError::Unreadable {
                index: i + 1,
                reason: e.to_string(),
            }
        })?;
    }
    Ok(blocks.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_CERT: &str = include_str!("testdata/rsa2048.cert.pem");
    const EC_CERT: &str = include_str!("testdata/ec_p256.cert.pem");
    const PUBLIC_KEY: &str = include_str!("testdata/rsa2048.pub.pem");
    const PRIVATE_KEY: &str = include_str!("testdata/throwaway.key.pem");

    #[test]
    fn certificates_and_bundles_are_accepted() {
        assert_eq!(validate_ca_certificates_pem(RSA_CERT), Ok(1));
        assert_eq!(
            validate_ca_certificates_pem(&format!("{RSA_CERT}\n{EC_CERT}")),
            Ok(2)
        );
    }

    #[test]
    fn private_keys_are_checked_without_quoting_them() {
        use crate::domain::test_support::{PRIVATE_EC, PRIVATE_PKCS8, RSA2048_CERT};
        assert!(validate_private_key_pem(PRIVATE_PKCS8).is_ok());
        assert!(validate_private_key_pem(PRIVATE_EC).is_ok());
        let e = validate_private_key_pem(RSA2048_CERT)
            .unwrap_err()
            .to_string();
        assert!(e.contains("CERTIFICATE") && !e.contains("MII"), "{e}");
        let e = validate_private_key_pem("MIIEsecretbytes")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secretbytes"), "{e}");
    }

    #[test]
    fn anything_else_is_refused() {
        assert_eq!(
            validate_ca_certificates_pem("not a certificate"),
            Err(CertificateError::NoCertificate)
        );
        assert!(matches!(
            validate_ca_certificates_pem(PUBLIC_KEY),
            Err(CertificateError::Label { index: 1, .. })
        ));
        let e = validate_ca_certificates_pem(PRIVATE_KEY).unwrap_err();
        assert!(matches!(e, CertificateError::PrivateKey { index: 1, .. }));
        assert!(
            !e.to_string().contains("MII"),
            "no key material in the message"
        );
        let broken = "-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            validate_ca_certificates_pem(broken),
            Err(CertificateError::Malformed(_) | CertificateError::Unreadable { .. })
        ));
        let not_x509 = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            validate_ca_certificates_pem(not_x509),
            Err(CertificateError::Unreadable { .. })
        ));
    }
}
