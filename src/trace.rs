// Tracing, compiled in only with the `tracing` feature.
//
// The shell and the verifier call these macros and this `Span` the same way in
// every build; without the feature the macros expand to nothing and `Span` is a
// zero-sized stand-in whose methods do nothing, so no tracing code, no field
// value and no dependency reaches the default build, and the call sites carry no
// `#[cfg]`.
//
// What goes into a span or an event is chosen here and at the call sites, never
// taken wholesale: method, path template (never the path, which holds ids),
// status, Revolut's code and `error_id`, counts, waits and durations. Never a
// header value, a body, a token or a secret, and never an error's message
// (a server's text may echo what it was sent).

// Only the clients open spans; the verifier alone emits events.
#![cfg_attr(
    not(any(feature = "blocking", feature = "async")),
    allow(dead_code, unused_macros)
)]

/// A span named `$name` at INFO level, with the given fields.
#[cfg(feature = "tracing")]
macro_rules! trace_span {
    ($name:literal $(, $($fields:tt)*)?) => {
        ::tracing::info_span!($name $(, $($fields)*)?)
    };
}

/// A span named `$name` at INFO level, with the given fields.
#[cfg(not(feature = "tracing"))]
macro_rules! trace_span {
    ($($anything:tt)*) => {
        $crate::trace::Span
    };
}

/// An event at the given level (`debug`, `info`, `warn`) with the given fields.
#[cfg(feature = "tracing")]
macro_rules! trace_event {
    ($level:ident, $($fields:tt)*) => {
        ::tracing::$level!($($fields)*)
    };
}

/// An event at the given level (`debug`, `info`, `warn`) with the given fields.
#[cfg(not(feature = "tracing"))]
macro_rules! trace_event {
    ($($anything:tt)*) => {
        ()
    };
}

#[allow(unused_imports)]
pub(crate) use {trace_event, trace_span};

#[cfg(feature = "tracing")]
pub(crate) use tracing::Span;

/// Stands in for `tracing::Span` without the feature: records nothing.
#[cfg(not(feature = "tracing"))]
#[derive(Debug, Clone)]
pub(crate) struct Span;

#[cfg(not(feature = "tracing"))]
#[allow(dead_code)]
impl Span {
    /// Does nothing, like `tracing::Span::record` with no subscriber.
    #[inline(always)]
    pub(crate) fn record<V>(&self, _field: &str, _value: V) -> &Self {
        self
    }

    /// No span, like `tracing::Span::current` with no subscriber.
    #[inline(always)]
    pub(crate) fn current() -> Self {
        Span
    }

    /// Runs `f`, like `tracing::Span::in_scope`.
    #[inline(always)]
    pub(crate) fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        f()
    }
}

/// Runs `future` inside `span` (each poll enters and leaves it), so no span guard
/// is held across an `.await` and the future stays `Send`.
#[cfg(feature = "async")]
pub(crate) fn instrument<F: std::future::Future>(
    future: F,
    span: Span,
) -> impl std::future::Future<Output = F::Output> {
    #[cfg(feature = "tracing")]
    {
        tracing::Instrument::instrument(future, span)
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = span;
        future
    }
}

/// Measures a span's duration, for its `duration_ms` field; without the feature
/// it reads no clock.
pub(crate) struct Stopwatch(#[cfg(feature = "tracing")] std::time::Instant);

#[allow(dead_code)]
impl Stopwatch {
    /// Starts measuring now.
    #[inline(always)]
    pub(crate) fn start() -> Self {
        Stopwatch(
            #[cfg(feature = "tracing")]
            std::time::Instant::now(),
        )
    }

    /// Records the time since [`start`](Self::start) as `duration_ms` on `span`.
    #[inline(always)]
    pub(crate) fn record(&self, span: &Span) {
        #[cfg(feature = "tracing")]
        span.record(
            "duration_ms",
            u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        #[cfg(not(feature = "tracing"))]
        let _ = span;
    }
}

/// A wait in whole milliseconds, for a field.
#[allow(dead_code)]
#[inline(always)]
pub(crate) fn millis(wait: std::time::Duration) -> u64 {
    u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)
}

/// What kind of error ended a call or an attempt: a fixed name, never its message.
#[cfg(feature = "tracing")]
fn error_kind(error: &crate::Error) -> &'static str {
    use crate::Error;
    match error {
        Error::Api(_) => "api",
        Error::Transport(_) => "transport",
        Error::Decode(_) => "decode",
        Error::Validation(_) => "validation",
        Error::Auth(_) => "auth",
        Error::NoRuntime => "no_runtime",
        Error::RateLimitedLocally { .. } => "rate_limited_locally",
        Error::BudgetExhausted { .. } => "budget_exhausted",
        #[allow(unreachable_patterns)]
        _ => "other",
    }
}

/// Records how a call failed on its span: the error's kind, the attempts made and,
/// for an API error, its status, code and `error_id`.
#[inline(always)]
pub(crate) fn record_error(span: &Span, error: &crate::Error) {
    #[cfg(feature = "tracing")]
    {
        span.record("error", error_kind(error));
        span.record("attempts", error.attempts());
        if let Some(api) = error.api() {
            span.record("status", api.status);
            span.record("code", api.code);
            span.record("error_id", api.error_id.as_deref());
        }
        if let crate::Error::Auth(auth) = error {
            span.record("status", auth.status);
        }
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (span, error);
}

/// An event for one attempt that failed (it may be retried): its number and what
/// the failure was, never the error's text.
#[inline(always)]
pub(crate) fn attempt_failed(attempt: u32, error: &crate::Error) {
    #[cfg(feature = "tracing")]
    {
        let api = error.api();
        tracing::debug!(
            attempt,
            error = error_kind(error),
            status = api.map(|a| a.status),
            code = api.and_then(|a| a.code),
            error_id = api.and_then(|a| a.error_id.as_deref()),
            "attempt failed"
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (attempt, error);
}

/// Records how a token request failed on its span: the kind, status and attempts
/// (never the server's text, which may echo the form).
#[inline(always)]
pub(crate) fn record_auth_error(span: &Span, error: &crate::AuthError) {
    #[cfg(feature = "tracing")]
    {
        span.record("outcome", "error");
        span.record("error", tracing::field::debug(error.kind));
        span.record("status", error.status);
        span.record("attempts", error.attempts);
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (span, error);
}
