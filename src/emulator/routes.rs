//! What the server calls for each request: the emulator's parts, and which of them
//! answers (the API, or the `/_emulator` control routes).

use std::sync::Arc;

use super::api::{self, Ctx};
use super::control;
use super::delivery::{self, Deliverer};
use super::http::{Request, Response};
use super::state::Store;

/// Everything a running emulator holds: its state, its deliveries, its settings.
pub(crate) struct App {
    pub store: Arc<Store>,
    pub deliverer: Arc<Deliverer>,
    pub api: api::Config,
}

impl App {
    pub(crate) fn ctx(&self) -> Ctx<'_> {
        Ctx {
            store: &self.store,
            config: &self.api,
        }
    }
}

/// Answers one request.
pub(crate) fn handle(app: &App, request: &Request) -> Response {
    if let Some(answer) = api::handle(&app.ctx(), request) {
        // The API decided; delivering what it caused is I/O, so it happens here.
        for event in &answer.events {
            drop(delivery::emit(&app.deliverer, event, None));
        }
        return answer.response;
    }
    if let Some(rest) = request.path.strip_prefix("/_emulator") {
        return control::handle(&app.store, &app.deliverer, request, rest);
    }
    api::no_endpoint(request)
}
