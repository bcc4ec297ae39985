//! The roots the clients trust, and how a TLS failure is recognised.

use crate::error::ValidationError;

/// The roots both clients trust: the Mozilla bundle, and the certificates of
/// each PEM text in `extra_pem`.
pub(crate) fn trusted_roots(
    extra_pem: &[Vec<u8>],
) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, ValidationError> {
    use rustls_pki_types::pem::PemObject;
    let err = |reason: &str| ValidationError::new("root_certificates", reason);
    let mut roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS.to_vec();
    for pem in extra_pem {
        let before = roots.len();
        for cert in rustls_pki_types::CertificateDer::pem_slice_iter(pem) {
            roots.push(cert.map_err(|_| {
                err("the PEM text is malformed: pass one or more -----BEGIN CERTIFICATE----- blocks")
            })?);
        }
        if roots.len() == before {
            return Err(err(
                "no certificate in the PEM text: pass one or more -----BEGIN CERTIFICATE----- blocks",
            ));
        }
    }
    Ok(roots)
}

/// Whether a TLS library error is anywhere in `error`'s chain: a handshake or
/// certificate failure, whichever HTTP library wrapped it and however deep.
pub(crate) fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    // Bounded: a chain is short, and a cyclic one must not hang the caller.
    for _ in 0..32 {
        let Some(e) = next else { return false };
        if e.is::<rustls::Error>() {
            return true;
        }
        // `io::Error::source` skips the error it wraps, so look inside it.
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            && is_tls_failure(inner)
        {
            return true;
        }
        next = e.source();
    }
    false
}
