//! Arbitrary bytes as a delivery body: parsing never panics, an accepted event
//! serialises and parses again to the same event, and the generic `Deserialize` path
//! agrees with `from_slice` on known event types.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revolut_webhooks::events::{EventData, WebhookEvent};

fuzz_target!(|data: &[u8]| {
    let Ok(event) = WebhookEvent::from_slice(data) else {
        return;
    };
    let json = serde_json::to_vec(&event).expect("a parsed event serialises");
    let again = WebhookEvent::from_slice(&json).expect("a serialised event parses");
    assert_eq!(again.event, event.event);
    assert_eq!(again.timestamp, event.timestamp);
    if !matches!(event.data, EventData::Unknown(_)) {
        if let Ok(generic) = serde_json::from_slice::<WebhookEvent>(data) {
            assert_eq!(generic, event);
        }
    }
});
