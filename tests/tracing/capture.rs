// A capturing `tracing` subscriber for the tracing tests: it records every span,
// every field recorded on it later, and every event, each value as its Debug text
// (a `&str` as it is). Installed once as the global default, so spans and events
// from spawned tasks and other threads are caught too; a `Session` holds a lock,
// so the tests of one binary capture one at a time.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as Values};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_core::span::Current;

/// What was recorded: a span (with every field it was given) or an event.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub is_span: bool,
    pub id: u64,
    pub name: String,
    pub target: String,
    pub parent: Option<u64>,
    pub fields: BTreeMap<String, String>,
}

impl Record {
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    pub(crate) fn message(&self) -> &str {
        self.field("message").unwrap_or("")
    }
}

#[derive(Default)]
struct Capture {
    next: AtomicU64,
    records: Mutex<Vec<Record>>,
    /// Each span's metadata, for `current_span` (which `Span::current` asks).
    metadata: Mutex<Vec<(u64, &'static Metadata<'static>)>>,
}

thread_local! {
    /// The spans this thread is in, innermost last.
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

fn current() -> Option<u64> {
    ENTERED.with(|stack| stack.borrow().last().copied())
}

impl Capture {
    fn records(&self) -> MutexGuard<'_, Vec<Record>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Subscriber for Capture {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = BTreeMap::new();
        span.record(&mut Fields(&mut fields));
        let parent = match span.parent() {
            Some(parent) => Some(parent.into_u64()),
            None if span.is_contextual() => current(),
            None => None,
        };
        self.metadata
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((id, span.metadata()));
        self.records().push(Record {
            is_span: true,
            id,
            name: span.metadata().name().to_owned(),
            target: span.metadata().target().to_owned(),
            parent,
            fields,
        });
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Values<'_>) {
        let mut records = self.records();
        if let Some(record) = records
            .iter_mut()
            .find(|r| r.is_span && r.id == span.into_u64())
        {
            values.record(&mut Fields(&mut record.fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let parent = match event.parent() {
            Some(parent) => Some(parent.into_u64()),
            None if event.is_contextual() => current(),
            None => None,
        };
        self.records().push(Record {
            is_span: false,
            id: 0,
            name: event.metadata().name().to_owned(),
            target: event.metadata().target().to_owned(),
            parent,
            fields,
        });
    }

    fn current_span(&self) -> Current {
        let metadata = self.metadata.lock().unwrap_or_else(|e| e.into_inner());
        current()
            .and_then(|id| metadata.iter().find(|(known, _)| *known == id))
            .map_or_else(Current::none, |(id, meta)| {
                Current::new(Id::from_u64(*id), meta)
            })
    }

    fn enter(&self, span: &Id) {
        ENTERED.with(|stack| stack.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, span: &Id) {
        ENTERED.with(|stack| {
            let mut stack = stack.borrow_mut();
            if let Some(at) = stack.iter().rposition(|id| *id == span.into_u64()) {
                stack.remove(at);
            }
        });
    }
}

fn installed() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::default());
        tracing::subscriber::set_global_default(Forward(capture))
            .expect("no other global subscriber in this test binary");
        capture
    })
}

/// The global subscriber, forwarding to the leaked `Capture`.
struct Forward(&'static Capture);

impl Subscriber for Forward {
    fn register_callsite(&self, m: &'static Metadata<'static>) -> Interest {
        self.0.register_callsite(m)
    }
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        self.0.enabled(m)
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.0.new_span(span)
    }
    fn record(&self, span: &Id, values: &Values<'_>) {
        self.0.record(span, values)
    }
    fn record_follows_from(&self, span: &Id, follows: &Id) {
        self.0.record_follows_from(span, follows)
    }
    fn event(&self, event: &Event<'_>) {
        self.0.event(event)
    }
    fn current_span(&self) -> Current {
        self.0.current_span()
    }
    fn enter(&self, span: &Id) {
        self.0.enter(span)
    }
    fn exit(&self, span: &Id) {
        self.0.exit(span)
    }
}

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// One test's capture: everything recorded between `start` and `finish`.
pub(crate) struct Session {
    _turn: MutexGuard<'static, ()>,
}

impl Session {
    pub(crate) fn start() -> Session {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        installed().records().clear();
        Session { _turn: turn }
    }

    /// What was recorded so far.
    pub(crate) fn records(&self) -> Recorded {
        Recorded(installed().records().clone())
    }
}

/// The records of a session.
pub(crate) struct Recorded(pub Vec<Record>);

impl Recorded {
    /// Ours only: the crate's spans and events, not the HTTP libraries'.
    pub(crate) fn ours(&self) -> impl Iterator<Item = &Record> {
        self.0
            .iter()
            .filter(|r| r.target.starts_with("revolut_webhooks"))
    }

    pub(crate) fn spans<'a>(&'a self, name: &'a str) -> Vec<&'a Record> {
        self.ours()
            .filter(|r| r.is_span && r.name == name)
            .collect()
    }

    pub(crate) fn events_with<'a>(&'a self, message: &'a str) -> Vec<&'a Record> {
        self.ours()
            .filter(|r| !r.is_span && r.message().contains(message))
            .collect()
    }

    /// Every name and value recorded on the client's side (this crate, ureq,
    /// reqwest, hyper, …) as one text. The mock server's own records are left out:
    /// it is the test's stand-in for Revolut and logs what it received.
    pub(crate) fn text(&self) -> String {
        let mut text = String::new();
        for record in self.0.iter().filter(|r| !r.target.starts_with("httpmock")) {
            text.push_str(&format!(
                "{} {} {:?}\n",
                record.target, record.name, record.fields
            ));
        }
        text
    }

    /// Fails if any of `secrets` appears anywhere in what was recorded.
    pub(crate) fn assert_free_of(&self, secrets: &[&str]) {
        let text = self.text();
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} was recorded:\n{text}");
        }
    }
}
