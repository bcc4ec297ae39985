//! A running emulator: what the builder started, and what a test asks of it.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use super::delivery;
use super::event::Event;
use super::http::Server;
use super::report::{Delivery, DeliveryReport};
use super::routes::App;
use crate::auth::AccessToken;
use crate::config::Environment;
use crate::models::{SigningSecret, WebhookId};

/// A running emulator; it stops when dropped (see [the module docs](super)).
pub struct Emulator {
    app: Arc<App>,
    server: Server,
    base_url: String,
    access_token: AccessToken,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// The emulator that [`EmulatorBuilder::start`](super::EmulatorBuilder::start) started.
    pub(super) fn new(app: Arc<App>, server: Server, access_token: AccessToken) -> Emulator {
        Emulator {
            base_url: format!("http://{}", server.addr()),
            app,
            server,
            access_token,
        }
    }

    /// The host root, such as `http://127.0.0.1:38211` (webhooks under `/api/2.0`,
    /// the token endpoint at `/api/1.0/auth/token`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The environment to give a client.
    pub fn environment(&self) -> Environment {
        Environment::custom(&self.base_url).expect("a loopback http URL is a valid environment")
    }

    /// The initial access token; it never expires.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// A new access token that expires 40 minutes from now on the emulator's clock,
    /// as one from the token endpoint would.
    pub fn issue_access_token(&self) -> AccessToken {
        let now = self.app.store.now();
        AccessToken::new(self.app.store.lock().tokens.issue_access(now))
    }

    /// A new authorization code, as the consent screen would give: the token
    /// endpoint exchanges it once for an access and a refresh token, within 2
    /// minutes on the emulator's clock (as Revolut's codes expire). At most 1,000
    /// codes wait at once: asking for more forgets the oldest.
    pub fn authorization_code(&self) -> String {
        let now = self.app.store.now();
        self.app.store.lock().tokens.issue_code(now)
    }

    /// The emulator's current time.
    pub fn now(&self) -> OffsetDateTime {
        self.app.store.now()
    }

    /// The signing secrets of a webhook that are valid now, current first (empty
    /// for an unknown webhook). Each delivery is signed with all of them.
    pub fn active_signing_secrets(&self, webhook_id: WebhookId) -> Vec<SigningSecret> {
        let now = self.app.store.now();
        self.app
            .store
            .lock()
            .hook(*webhook_id.as_uuid())
            .map(|h| h.active_secrets(now))
            .unwrap_or_default()
            .into_iter()
            .map(SigningSecret::from)
            .collect()
    }

    /// Delivers `event` to every webhook subscribed to its type, in the background:
    /// a POST with `Revolut-Request-Timestamp` and `Revolut-Signature`, retried three
    /// more times at the retry interval until a 2xx answer. [`Delivery::wait`] gives
    /// the report.
    pub fn emit(&self, event: Event) -> Delivery {
        delivery::emit(&self.app.deliverer, &event, None)
    }

    /// [`emit`](Self::emit) and [`wait`](Delivery::wait).
    pub fn emit_and_wait(&self, event: Event) -> DeliveryReport {
        self.emit(event).wait()
    }

    /// Waits until no delivery is under way, at most `timeout`; `true` if none is.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        self.app.deliverer.wait_idle(timeout)
    }

    /// Stops serving and cancels pending retries (dropping it does the same).
    pub fn shutdown(self) {}
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.app.deliverer.stop();
        self.server.shutdown();
    }
}
