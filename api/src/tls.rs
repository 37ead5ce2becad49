//! One rustls crypto provider for the whole process. Several crates link rustls; without a
//! process default, a TLS client built with `rustls-no-provider` cannot pick one.

/// Installs ring as the process-wide provider; later calls are no-ops.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
