//! The sans-IO core: every endpoint as a request to send and a parser for its response.
//!
//! Nothing here does I/O. The blocking and async clients are thin shells around
//! these functions; you can also drive them with any HTTP library you like
//! (semver covers this module like the rest of the crate: see
//! [the crate's stability notes](crate#stability)):
//!
//! ```
//! use revolut_webhooks::request::{self, HttpResponse};
//! use revolut_webhooks::Environment;
//!
//! let call = request::list_webhooks();
//! assert_eq!(call.request().method.as_str(), "GET");
//! assert_eq!(call.request().url(&Environment::Sandbox), "https://sandbox-b2b.revolut.com/api/2.0/webhooks");
//!
//! // ... send it with your own client, adding `Authorization: Bearer <token>` ...
//! let response = HttpResponse::new(200, br#"[{"id":"c6db947e-e9ce-41c2-b445-02e6eb741d21",
//!     "url":"https://www.example.com","events":["TransactionCreated"]}]"#.to_vec());
//! let hooks = call.parse(&response, time::OffsetDateTime::now_utc())?;
//! assert_eq!(hooks[0].url, "https://www.example.com");
//! # Ok::<(), revolut_webhooks::Error>(())
//! ```

// The shared vocabulary (`Method`, `Repeat`) has its home in `http_types`, a leaf;
// this module is where it is public.
mod call;
mod endpoints;
mod error_body;
mod message;
// The sandbox's simulations (`/api/1.0/sandbox/…`).
mod sandbox;

pub use crate::http_types::{Method, Repeat};
pub use call::Call;
#[cfg(all(test, feature = "blocking"))]
pub(crate) use call::Endpoint;
pub(crate) use endpoints::failed_events_page;
pub use endpoints::*;
pub use error_body::api_error;
pub use message::{HttpRequest, HttpResponse, RequestBody};
pub use sandbox::{
    MAX_TOPUP_AMOUNT, SandboxAction, SandboxTopup, SimulatedTransaction, TopupState, sandbox_topup,
    sandbox_transaction,
};
