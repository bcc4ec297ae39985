//! A strict fake of the token endpoint and the API, for the shared-state tests: every
//! refresh invalidates the access tokens issued before it, as production integrations
//! report Revolut does. It counts refreshes and 401s.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::faults::server::{Reply, Server};

pub(crate) const TOKEN_PATH: &str = "/api/1.0/auth/token";
const EXPIRED: &str = r#"{"error_id":"69bb3be2-24b7-afe7-8c69-c9f26aa37a69","code":1000,"message":"Access token is invalid or has expired."}"#;

#[derive(Default)]
pub(crate) struct Counts {
    pub(crate) refreshes: AtomicUsize,
    pub(crate) unauthorized: AtomicUsize,
    pub(crate) served: AtomicUsize,
    valid: Mutex<Option<String>>,
}

impl Counts {
    pub(crate) fn refreshes(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }
    pub(crate) fn unauthorized(&self) -> usize {
        self.unauthorized.load(Ordering::SeqCst)
    }
    pub(crate) fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
    /// Makes `token` the one valid access token (as if the server had issued it).
    pub(crate) fn set_valid(&self, token: &str) {
        *self.valid.lock().unwrap() = Some(token.to_owned());
    }
}

/// Tokens `token-1`, `token-2`, … living `expires_in` seconds; only the newest works.
pub(crate) fn start(expires_in: u64) -> (Server, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    let server = Server::start(move |request| {
        if request.path == TOKEN_PATH {
            let n = c.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
            let token = format!("token-{n}");
            *c.valid.lock().unwrap() = Some(token.clone());
            return Reply::json(format!(
                r#"{{"access_token":"{token}","token_type":"bearer","expires_in":{expires_in}}}"#
            ));
        }
        let sent = request
            .header("authorization")
            .unwrap_or_default()
            .trim_start_matches("Bearer ");
        if c.valid.lock().unwrap().as_deref() != Some(sent) {
            c.unauthorized.fetch_add(1, Ordering::SeqCst);
            return Reply::status(401, EXPIRED);
        }
        c.served.fetch_add(1, Ordering::SeqCst);
        Reply::json("[]")
    });
    (server, counts)
}
