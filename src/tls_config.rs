//! TLS settings for wss://: extra trusted roots, a client identity, or a whole connector.
//!
//! The settings exist with or without the `native-tls` feature, so the builder's API is the
//! same in both builds, except `tls_connector`, which takes a native-tls type; without the
//! feature a wss:// URL fails with
//! [`Error::TlsUnavailable`](crate::Error::TlsUnavailable).

/// A certificate as the caller gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Certificate {
    /// PEM text.
    Pem(Vec<u8>),
    /// DER bytes.
    Der(Vec<u8>),
}

/// A client identity as the caller gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Identity {
    /// A PKCS#12 archive and its password.
    Pkcs12 { der: Vec<u8>, password: String },
    /// A PEM certificate chain and a PKCS#8 PEM private key.
    Pem { chain: Vec<u8>, key: Vec<u8> },
}

/// The TLS settings of one socket.
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsConfig {
    pub(crate) roots: Vec<Certificate>,
    pub(crate) identity: Option<Identity>,
    pub(crate) accept_invalid_certs: bool,
    pub(crate) accept_invalid_hostnames: bool,
    #[cfg(feature = "native-tls")]
    pub(crate) connector: Option<native_tls::TlsConnector>,
}

/// The settings that make a connector, to recognise a connector already built.
#[cfg(feature = "native-tls")]
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    roots: Vec<Certificate>,
    identity: Option<Identity>,
    accept_invalid_certs: bool,
    accept_invalid_hostnames: bool,
}

/// Connectors built recently, newest last. Building one loads the system's trust store, which
/// costs far more than a connection, so sockets with the same settings share one.
#[cfg(feature = "native-tls")]
static BUILT: std::sync::Mutex<Vec<(Key, native_tls::TlsConnector)>> =
    std::sync::Mutex::new(Vec::new());

/// How many distinct connectors [`BUILT`] keeps.
#[cfg(feature = "native-tls")]
const KEEP: usize = 8;

#[cfg(feature = "native-tls")]
impl TlsConfig {
    /// The connector these settings describe: the caller's own if given, else one with the
    /// system's roots plus the extra ones, SNI and host name verification on, shared with other
    /// sockets that have the same settings.
    pub(crate) fn connector(&self) -> crate::Result<native_tls::TlsConnector> {
        if let Some(c) = &self.connector {
            return Ok(c.clone());
        }
        let key = Key {
            roots: self.roots.clone(),
            identity: self.identity.clone(),
            accept_invalid_certs: self.accept_invalid_certs,
            accept_invalid_hostnames: self.accept_invalid_hostnames,
        };
        let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = built.iter().position(|(k, _)| *k == key) {
            let entry = built.remove(i);
            let connector = entry.1.clone();
            built.push(entry);
            return Ok(connector);
        }
        let connector = self.build()?;
        if built.len() == KEEP {
            built.remove(0);
        }
        built.push((key, connector.clone()));
        Ok(connector)
    }

    /// Builds a new connector from these settings.
    fn build(&self) -> crate::Result<native_tls::TlsConnector> {
        let tls = |e: native_tls::Error| crate::Error::Tls(Box::new(e));
        let mut b = native_tls::TlsConnector::builder();
        for root in &self.roots {
            let cert = match root {
                Certificate::Pem(pem) => native_tls::Certificate::from_pem(pem),
                Certificate::Der(der) => native_tls::Certificate::from_der(der),
            };
            b.add_root_certificate(cert.map_err(tls)?);
        }
        if let Some(id) = &self.identity {
            let id = match id {
                Identity::Pkcs12 { der, password } => {
                    native_tls::Identity::from_pkcs12(der, password)
                }
                Identity::Pem { chain, key } => native_tls::Identity::from_pkcs8(chain, key),
            };
            b.identity(id.map_err(tls)?);
        }
        b.danger_accept_invalid_certs(self.accept_invalid_certs);
        b.danger_accept_invalid_hostnames(self.accept_invalid_hostnames);
        b.build().map_err(tls)
    }
}

#[cfg(all(test, feature = "native-tls"))]
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
        let ca = include_bytes!("../tests/fixtures/tls/ca.pem").to_vec();
        let a = TlsConfig {
            roots: vec![Certificate::Pem(ca)],
            ..TlsConfig::default()
        };
        a.connector().unwrap();
        a.clone().connector().unwrap();
        assert_eq!(
            entries(&a),
            1,
            "the second socket reuses the first one's connector"
        );
        let b = TlsConfig {
            accept_invalid_hostnames: true,
            ..a.clone()
        };
        b.connector().unwrap();
        assert_eq!(entries(&b), 1, "other settings build their own");
    }

    #[test]
    fn bad_certificates_are_an_error_not_a_cached_entry() {
        let bad = TlsConfig {
            roots: vec![Certificate::Pem(b"not a certificate".to_vec())],
            ..TlsConfig::default()
        };
        assert!(matches!(bad.connector(), Err(crate::Error::Tls(_))));
        assert_eq!(entries(&bad), 0);
    }
}
