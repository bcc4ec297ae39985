//! What every endpoint of the API reads (the state, its clock, the settings) and
//! what it returns (an answer, and the events it makes Revolut deliver).

use time::OffsetDateTime;
use uuid::Uuid;

use super::super::event::Event;
use super::super::http::Response;
use super::super::state::{Limit, State, Store};

/// The API's settings, from the builder.
#[derive(Debug)]
pub(crate) struct Config {
    pub allow_loopback_http: bool,
    pub business_id: Uuid,
    pub client_id: Option<String>,
    /// The per-business rate limit; `None`: off.
    pub rate_limit: Option<Limit>,
    /// Whether a refresh revokes the access tokens issued before it.
    pub refresh_revokes: bool,
}

/// The API's answer to a request, and the events it makes Revolut deliver (the
/// caller delivers them: this module does no I/O).
pub(crate) struct Answer {
    pub response: Response,
    pub events: Vec<Event>,
}

impl From<Response> for Answer {
    fn from(response: Response) -> Answer {
        Answer {
            response,
            events: Vec::new(),
        }
    }
}

/// What every endpoint reads: the state, its clock and the settings.
pub(crate) struct Ctx<'a> {
    pub store: &'a Store,
    pub config: &'a Config,
}

impl Ctx<'_> {
    pub(super) fn now(&self) -> OffsetDateTime {
        self.store.now()
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.store.lock()
    }
}
