//! Building native-tls connectors from the builder's TLS settings, shared between sockets with
//! the same settings.

use native_tls::TlsConnector;

use crate::config::{Certificate, Identity, TlsConfig};
use crate::error::{Error, Result, TlsError, TlsErrorKind};
use crate::sync::lock;

/// The settings that make a connector, to recognise a connector already built.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    roots: Vec<Certificate>,
    identity: Option<Identity>,
    accept_invalid_certs: bool,
    accept_invalid_hostnames: bool,
}

/// Connectors built recently, newest last. Building one loads the system's trust store, which
/// costs far more than a connection, so sockets with the same settings share one.
static BUILT: std::sync::Mutex<Vec<(Key, native_tls::TlsConnector)>> =
    std::sync::Mutex::new(Vec::new());

/// How many distinct connectors [`BUILT`] keeps.
const KEEP: usize = 8;

/// The connector these settings describe: the caller's own if given, else one with the
/// system's roots plus the extra ones, SNI and host name verification on, shared with other
/// sockets that have the same settings.
pub(crate) fn connector(config: &TlsConfig) -> Result<TlsConnector> {
    if let Some(c) = &config.connector {
        return Ok(c.clone());
    }
    let key = Key {
        roots: config.roots.clone(),
        identity: config.identity.clone(),
        accept_invalid_certs: config.accept_invalid_certs,
        accept_invalid_hostnames: config.accept_invalid_hostnames,
    };
    let mut built = lock(&BUILT);
    if let Some(i) = built.iter().position(|(k, _)| *k == key) {
        let entry = built.remove(i);
        let connector = entry.1.clone();
        built.push(entry);
        return Ok(connector);
    }
    let connector = build(config)?;
    if built.len() == KEEP {
        built.remove(0);
    }
    built.push((key, connector.clone()));
    Ok(connector)
}

/// Builds a new connector from these settings.
fn build(config: &TlsConfig) -> Result<TlsConnector> {
    let tls = |e: native_tls::Error| Error::Tls(TlsError::new(TlsErrorKind::Configuration, e));
    let mut b = native_tls::TlsConnector::builder();
    for root in &config.roots {
        let cert = match root {
            Certificate::Pem(pem) => native_tls::Certificate::from_pem(pem),
            Certificate::Der(der) => native_tls::Certificate::from_der(der),
        };
        b.add_root_certificate(cert.map_err(tls)?);
    }
    if let Some(id) = &config.identity {
        let id = match id {
            Identity::Pkcs12 { der, password } => native_tls::Identity::from_pkcs12(der, password),
            Identity::Pem { chain, key } => native_tls::Identity::from_pkcs8(chain, key),
        };
        b.identity(id.map_err(tls)?);
    }
    b.danger_accept_invalid_certs(config.accept_invalid_certs);
    b.danger_accept_invalid_hostnames(config.accept_invalid_hostnames);
    b.build().map_err(tls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(config: &TlsConfig) -> usize {
        let built = BUILT.lock().unwrap();
        built
            .iter()
            .filter(|(k, _)| {
                k.roots == config.roots
                    && k.accept_invalid_hostnames == config.accept_invalid_hostnames
            })
            .count()
    }

    #[test]
    fn sockets_with_the_same_settings_share_a_connector() {
        let ca = include_bytes!("../../tests/fixtures/tls/ca.pem").to_vec();
        let a = TlsConfig {
            roots: vec![Certificate::Pem(ca)],
            ..TlsConfig::default()
        };
        connector(&a).unwrap();
        connector(&a.clone()).unwrap();
        assert_eq!(
            entries(&a),
            1,
            "the second socket reuses the first one's connector"
        );
        let b = TlsConfig {
            accept_invalid_hostnames: true,
            ..a.clone()
        };
        connector(&b).unwrap();
        assert_eq!(entries(&b), 1, "other settings build their own");
    }

    #[test]
    fn bad_certificates_are_an_error_not_a_cached_entry() {
        let bad = TlsConfig {
            roots: vec![Certificate::Pem(b"not a certificate".to_vec())],
            ..TlsConfig::default()
        };
        match connector(&bad) {
            Err(Error::Tls(e)) => assert_eq!(e.kind(), TlsErrorKind::Configuration),
            other => panic!("expected a TLS configuration error, got {other:?}"),
        }
        assert_eq!(entries(&bad), 0);
    }
}
