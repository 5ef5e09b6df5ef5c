//! TLS to PostgreSQL with `sslmode` as libpq means it: `disable` never, `prefer` (the default)
//! and `require` encrypt without checking the certificate, `verify-ca` checks the chain against
//! the system's roots (or the `sslrootcert` file), `verify-full` also the host name.
//! tokio-postgres knows only disable/prefer/require, so the verifying modes are read here and
//! handed to it as `require` with a verifier that checks what they promise.

use anyhow::{Context, anyhow, bail};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, DigitallySignedStruct, Error as TlsError, RootCertStore, SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// disable, prefer, require: tokio-postgres decides whether to encrypt; nothing is verified.
    Unverified,
    VerifyCa,
    VerifyFull,
}

/// What a `--database-url` asks of TLS: the URL tokio-postgres can parse, and the connector.
pub struct Tls {
    pub url: String,
    pub connector: MakeRustlsConnect,
}

pub fn from_url(url: &str) -> anyhow::Result<Tls> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut mode = Mode::Unverified;
    let mut root_file = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (key, value) {
            ("sslmode", "verify-ca") => {
                mode = Mode::VerifyCa;
                kept.push("sslmode=require".to_owned());
            }
            ("sslmode", "verify-full") => {
                mode = Mode::VerifyFull;
                kept.push("sslmode=require".to_owned());
            }
            ("sslrootcert", file) => root_file = Some(percent_decode(file)),
            _ => kept.push(pair.to_owned()),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        Mode::Unverified => Arc::new(Unverified(provider())),
        Mode::VerifyCa => Arc::new(ChainOnly(web_pki(root_file.as_deref())?)),
        Mode::VerifyFull => web_pki(root_file.as_deref())?,
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("TLS set-up: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Tls {
        url,
        connector: MakeRustlsConnect::new(config),
    })
}

fn provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The roots a verifying mode checks against: the `sslrootcert` file, else the system's.
fn web_pki(root_file: Option<&str>) -> anyhow::Result<Arc<WebPkiServerVerifier>> {
    let mut roots = RootCertStore::empty();
    match root_file {
        Some(file) => {
            for cert in CertificateDer::pem_file_iter(file)
                .with_context(|| format!("cannot read sslrootcert {file}"))?
            {
                roots
                    .add(cert.with_context(|| format!("cannot read sslrootcert {file}"))?)
                    .with_context(|| format!("sslrootcert {file}"))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                // A system root rustls cannot parse is one fewer root, not a failure.
                let _ = roots.add(cert);
            }
        }
    }
    if roots.is_empty() {
        bail!(
            "sslmode asks to verify the server's certificate, but there are no root certificates"
        );
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::new(provider()))
        .build()
        .map_err(|e| anyhow!("TLS set-up: {e}"))
}

/// `prefer` and `require`: the connection is encrypted, the certificate not checked (libpq).
#[derive(Debug)]
struct Unverified(CryptoProvider);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the name in the certificate may differ.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(TlsError::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifying_modes_reach_tokio_postgres_as_require_and_other_options_stay() {
        let tls = from_url("postgres://u@h/db?sslmode=verify-full&application_name=evo").unwrap();
        assert_eq!(
            tls.url,
            "postgres://u@h/db?sslmode=require&application_name=evo"
        );
        let tls = from_url("postgres://u@h/db?sslmode=verify-ca").unwrap();
        assert_eq!(tls.url, "postgres://u@h/db?sslmode=require");
        for url in ["postgres://u@h/db", "postgres://u@h/db?sslmode=disable"] {
            assert_eq!(from_url(url).unwrap().url, url);
        }
    }

    #[test]
    fn an_unreadable_sslrootcert_is_a_clear_error() {
        let err = from_url("postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Fno%2Fsuch.pem")
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(
            err.contains("cannot read sslrootcert /no/such.pem"),
            "{err}"
        );
        // Without a verifying mode the file is not needed, and the option is not passed on.
        let tls = from_url("postgres://u@h/db?sslrootcert=%2Fno%2Fsuch.pem").unwrap();
        assert_eq!(tls.url, "postgres://u@h/db");
    }
}
