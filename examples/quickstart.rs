//! Webhooks from end to end, with no Revolut account:
//!
//! ```text
//! cargo run --example quickstart --features emulator
//! ```
//!
//! It starts the local emulator and a small receiver on 127.0.0.1, creates a webhook,
//! emits events and shows them verified and parsed, rotates the signing secret and
//! shows both signatures accepted, makes the receiver fail and fetches the failed
//! events back, then cleans up.
//!
//! With `REVOLUT_ACCESS_TOKEN` set (a Sandbox access token), it runs the management
//! steps against the Revolut Sandbox instead (Revolut cannot deliver to your machine,
//! so there are no deliveries in that mode). `REVOLUT_WEBHOOK_URL` sets the URL it
//! registers (default `https://example.com/revolut-webhooks-quickstart`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::format_description::well_known::Rfc3339;

use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::emulator::{Emulator, Event, Outcome};
use revolut_webhooks::events::{EventData, WebhookEvent};
use revolut_webhooks::signature::Verifier;
use revolut_webhooks::{
    CreateWebhook, Environment, EventType, FailedEventsQuery, SecretExpiration, UpdateWebhook,
};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    match std::env::var("REVOLUT_ACCESS_TOKEN") {
        Ok(token) if !token.trim().is_empty() => sandbox(token.trim()),
        _ => local(),
    }
}

fn step(n: u32, what: &str) {
    println!("\n{n}. {what}");
}

fn local() -> Result<(), Error> {
    println!("Revolut webhooks quickstart, on the local emulator (no account needed).");

    step(1, "Start the emulator and a receiver");
    let emulator = Emulator::builder()
        // Local receivers have no TLS certificate: let the emulator deliver to
        // 127.0.0.1 over plain http.
        .allow_loopback_http(true)
        // Revolut retries every 10 minutes; a quickstart should not take 30.
        .retry_interval(Duration::from_millis(50))
        .start()?;
    let receiver = Receiver::start()?;
    println!("   emulator: {}", emulator.base_url());
    println!("   receiver: {}", receiver.url());
    let client = Client::builder()
        .environment(emulator.environment())
        .token_provider(StaticToken::new(emulator.access_token().expose_secret()))
        .build()?;
    let hooks = client.webhooks();

    step(2, "Create a webhook for all four event types");
    let hook = hooks.create(
        &CreateWebhook::new(receiver.url())?.with_events(EventType::ALL.iter().cloned())?,
    )?;
    println!("   created {} -> {}", hook.id, hook.url);
    println!(
        "   signing secret: {}… (keep it safe; the receiver verifies with it)",
        &hook.signing_secret.expose_secret()[..8]
    );
    receiver.set_secrets(vec![hook.signing_secret.expose_secret().to_owned()]);

    step(
        3,
        "Emit one event of each type; the receiver verifies and parses them",
    );
    for event_type in EventType::ALL {
        let report = emulator.emit_and_wait(Event::sample(event_type));
        let outcome = &report.deliveries[0].outcome;
        println!(
            "   emitted {:<24} -> {}",
            event_type.as_str(),
            if *outcome == Outcome::Delivered {
                "delivered"
            } else {
                "NOT delivered"
            }
        );
        for line in receiver.take_log() {
            println!("      receiver: {line}");
        }
        if *outcome != Outcome::Delivered {
            return Err(format!("the {event_type} event was not delivered").into());
        }
    }

    step(
        4,
        "Rotate the signing secret, keeping the old one valid for an hour",
    );
    let rotated = hooks.rotate_signing_secret(hook.id, Some(SecretExpiration::from_hours(1)?))?;
    println!(
        "   new secret {}…; the old one stays valid for PT1H",
        &rotated.signing_secret.expose_secret()[..8]
    );
    // The receiver now knows both: the new one, and the old one until it expires.
    receiver.set_secrets(vec![
        rotated.signing_secret.expose_secret().to_owned(),
        hook.signing_secret.expose_secret().to_owned(),
    ]);
    let report = emulator.emit_and_wait(Event::transaction_created());
    let signatures = report.deliveries[0].attempts[0]
        .signature
        .matches("v1=")
        .count();
    println!("   emitted TransactionCreated with {signatures} signatures in Revolut-Signature");
    for line in receiver.take_log() {
        println!("      receiver: {line}");
    }
    if signatures != 2 || report.deliveries[0].outcome != Outcome::Delivered {
        return Err("expected a delivery signed with both secrets".into());
    }

    step(
        5,
        "Make the receiver fail: Revolut retries three more times, then gives up",
    );
    receiver.set_failing(true);
    let report = emulator.emit_and_wait(Event::payout_link_state_changed());
    let delivery = &report.deliveries[0];
    let answers: Vec<String> = delivery
        .attempts
        .iter()
        .map(|a| a.result.to_string())
        .collect();
    println!(
        "   {} attempts, the receiver answered {}",
        delivery.attempts.len(),
        answers.join(", ")
    );
    receiver.take_log();
    let failed = hooks.failed_events(hook.id, &FailedEventsQuery::new())?;
    println!("   failed events fetched back: {}", failed.len());
    for event in &failed {
        let payload: serde_json::Value = event.payload_as()?;
        let rfc3339 = |t: time::OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        println!(
            "   - {} created {}, last sent {}: {} {}",
            event.id,
            rfc3339(event.created_at),
            event.last_sent_date.map(rfc3339).unwrap_or_default(),
            payload["event"].as_str().unwrap_or("?"),
            payload["data"]
        );
    }
    if failed.len() != 1 {
        return Err("expected exactly one failed event".into());
    }

    step(6, "Clean up");
    hooks.delete(hook.id)?;
    println!(
        "   deleted {}; webhooks left: {}",
        hook.id,
        hooks.list()?.len()
    );
    println!("\nDone. Everything above ran against the local emulator.");
    Ok(())
}

fn sandbox(token: &str) -> Result<(), Error> {
    println!(
        "Revolut webhooks quickstart, against the Revolut Sandbox (REVOLUT_ACCESS_TOKEN is set)."
    );
    let url = std::env::var("REVOLUT_WEBHOOK_URL")
        .unwrap_or_else(|_| "https://example.com/revolut-webhooks-quickstart".to_owned());
    let client = Client::builder()
        .environment(Environment::Sandbox)
        .token_provider(StaticToken::new(token))
        .build()?;
    let hooks = client.webhooks();

    step(1, "List the existing webhooks");
    let existing = hooks.list()?;
    println!("   {} webhook(s)", existing.len());

    step(2, "Create a webhook");
    let hook =
        hooks.create(&CreateWebhook::new(url)?.with_events([EventType::TransactionCreated])?)?;
    println!("   created {} -> {}", hook.id, hook.url);
    // From here on, delete the webhook whatever happens.
    let result = (|| -> Result<(), Error> {
        step(3, "Subscribe it to payout link events too");
        let updated = hooks.update(
            hook.id,
            &UpdateWebhook::from_events([
                EventType::TransactionCreated,
                EventType::PayoutLinkCreated,
                EventType::PayoutLinkStateChanged,
            ])?,
        )?;
        println!("   now subscribed to {:?}", updated.events);

        step(
            4,
            "Rotate its signing secret, keeping the old one for an hour",
        );
        let rotated =
            hooks.rotate_signing_secret(hook.id, Some(SecretExpiration::from_hours(1)?))?;
        println!(
            "   new secret {}…",
            &rotated.signing_secret.expose_secret()[..8]
        );

        step(5, "Fetch its failed events");
        let failed = hooks.failed_events(hook.id, &FailedEventsQuery::new())?;
        println!("   {} failed event(s)", failed.len());
        Ok(())
    })();
    step(6, "Clean up");
    hooks.delete(hook.id)?;
    println!("   deleted {}", hook.id);
    result?;
    println!("\nDone.");
    Ok(())
}

/// A minimal webhook receiver: verifies `Revolut-Signature` against the secrets it
/// knows, checks the timestamp is within 5 minutes, parses the event, and answers
/// 200 (or 500 once told to fail).
struct Receiver {
    port: u16,
    state: Arc<Mutex<ReceiverState>>,
}

#[derive(Default)]
struct ReceiverState {
    secrets: Vec<String>,
    failing: bool,
    log: Vec<String>,
}

impl Receiver {
    fn start() -> std::io::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || handle(stream, &shared));
            }
        });
        Ok(Receiver { port, state })
    }

    /// An https URL, as Revolut (and this crate's client) require; the emulator
    /// delivers to loopback over plain http since it was told to.
    fn url(&self) -> String {
        format!("https://127.0.0.1:{}/webhooks/revolut", self.port)
    }

    fn set_secrets(&self, secrets: Vec<String>) {
        self.state.lock().unwrap().secrets = secrets;
    }

    fn set_failing(&self, failing: bool) {
        self.state.lock().unwrap().failing = failing;
    }

    fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().unwrap().log)
    }
}

fn handle(mut stream: TcpStream, state: &Mutex<ReceiverState>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some((headers, body)) = read_request(&mut stream) else {
        return;
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let mut state = state.lock().unwrap();
    let line = match verify(
        &state.secrets,
        header("Revolut-Request-Timestamp"),
        header("Revolut-Signature"),
        &body,
    ) {
        Ok((event, matched)) => describe(&event, &matched),
        Err(why) => format!("REJECTED: {why}"),
    };
    let status = if state.failing { 500 } else { 200 };
    state.log.push(format!("{line} -> answered {status}"));
    drop(state);
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
}

type Headers = Vec<(String, String)>;

fn read_request(stream: &mut TcpStream) -> Option<(Headers, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let headers: Headers = head
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if length > 1024 * 1024 {
        return None;
    }
    while buf.len() < end + 4 + length {
        let n = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    }
    Some((headers, buf[end + 4..end + 4 + length].to_vec()))
}

/// Checks `Revolut-Signature` the way a receiver should (the crate's `Verifier`:
/// constant-time, the 5-minute tolerance, several signatures), then says which of
/// the known secrets signed the body, to show both work during a rotation.
fn verify(
    secrets: &[String],
    timestamp: &str,
    header: &str,
    body: &[u8],
) -> Result<(WebhookEvent, Vec<usize>), String> {
    let verifier =
        Verifier::from_secrets(secrets.iter().map(String::as_str)).map_err(|e| e.to_string())?;
    let event = verifier
        .verify(body, timestamp, header)
        .and_then(|v| v.event())
        .map_err(|e| e.to_string())?;
    let matched = secrets
        .iter()
        .enumerate()
        .filter(|(_, secret)| {
            Verifier::new(secret.as_str())
                .is_ok_and(|one| one.verify(body, timestamp, header).is_ok())
        })
        .map(|(i, _)| i)
        .collect();
    Ok((event, matched))
}

fn describe(event: &WebhookEvent, matched: &[usize]) -> String {
    let names: Vec<&str> = matched
        .iter()
        .map(|i| if *i == 0 { "current" } else { "previous" })
        .collect();
    let verified = format!("verified with the {} secret", names.join(" and the "));
    let what = match &event.data {
        EventData::TransactionCreated(t) => {
            let leg = t.legs.first();
            format!(
                "transaction {} {} {} {} ({})",
                t.id,
                t.state,
                leg.map_or(0.0, |l| l.amount),
                leg.map_or("?", |l| l.currency.as_str()),
                t.reference.as_deref().unwrap_or("")
            )
        }
        EventData::TransactionStateChanged(c) => {
            format!("transaction {}: {} -> {}", c.id, c.old_state, c.new_state)
        }
        EventData::PayoutLinkCreated(p) => format!(
            "payout link {} is {}",
            p.id.as_deref().unwrap_or("?"),
            p.state.as_ref().map_or("?".to_owned(), |s| s.to_string())
        ),
        EventData::PayoutLinkStateChanged(c) => {
            format!("payout link {}: {} -> {}", c.id, c.old_state, c.new_state)
        }
        _ => "an event of a type this crate does not know".to_owned(),
    };
    let at = event.timestamp.format(&Rfc3339).unwrap_or_default();
    format!("{verified}; {} at {at}: {what}", event.event)
}
