//! TLS settings for wss://: extra trusted roots, a client identity, or a whole connector.
//!
//! The settings exist with or without the `native-tls` feature, so the builder's API is the
//! same in both builds; without the feature a wss:// URL fails with
//! [`Error::TlsUnavailable`](crate::Error::TlsUnavailable).

/// A certificate as the caller gave it.
#[derive(Debug, Clone)]
pub(crate) enum Certificate {
    /// PEM text.
    Pem(Vec<u8>),
    /// DER bytes.
    Der(Vec<u8>),
}

/// A client identity as the caller gave it.
#[derive(Debug, Clone)]
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

#[cfg(feature = "native-tls")]
impl TlsConfig {
    /// The connector these settings describe: the caller's own if given, else one with the
    /// system's roots plus the extra ones, SNI and host name verification on.
    pub(crate) fn connector(&self) -> crate::Result<native_tls::TlsConnector> {
        if let Some(c) = &self.connector {
            return Ok(c.clone());
        }
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
