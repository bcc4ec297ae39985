//! What the server calls for each request: the emulator's parts, and which of them
//! answers (the API, or the `/_emulator` control routes).

use std::sync::Arc;

use super::api::{self, Ctx};
use super::control;
use super::delivery::Deliverer;
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
    if let Some(response) = api::handle(&app.ctx(), request) {
        return response;
    }
    if let Some(rest) = request.path.strip_prefix("/_emulator") {
        return control::handle(&app.store, &app.deliverer, request, rest);
    }
    api::no_endpoint(request)
}
