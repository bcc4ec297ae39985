//! Random tokens, codes and secrets.

/// `len` random letters and digits, each drawn uniformly from the operating
/// system's random source.
pub(crate) fn random_string(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    let mut bytes = [0u8; 64];
    while out.len() < len {
        // Like `Uuid::new_v4`, there is nothing sensible to do without an OS random
        // source; it is not reachable from any input.
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        for &byte in &bytes {
            // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
            if byte < 248 && out.len() < len {
                out.push(ALPHABET[usize::from(byte) % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// A new webhook signing secret.
pub(crate) fn new_secret() -> String {
    format!("wsk_{}", random_string(32))
}
