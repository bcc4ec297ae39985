//! Exit codes, and the one line on stderr that says what went wrong.

use revolut_webhooks::{Error, ValidationError};

/// Exit code: success.
pub(crate) const OK: u8 = 0;
/// Exit code: the API answered with an error, or could not be reached.
pub(crate) const API: u8 = 1;
/// Exit code: the command line or an input was wrong.
pub(crate) const USAGE: u8 = 2;
/// Exit code: no credentials, or the token or refresh was refused.
pub(crate) const AUTH: u8 = 3;
/// Exit code: `verify` found the delivery invalid.
pub(crate) const VERIFY: u8 = 4;
/// Exit code: `replay` delivered some events but not all.
pub(crate) const PARTIAL: u8 = 5;
/// Exit code: `trigger` reached no webhook, or a receiver did not answer 2xx.
pub(crate) const DELIVERY: u8 = 6;
/// Exit code: `replay` stopped because its standard output was closed (`| head -1`),
/// as shells report a process that SIGPIPE ended (128 + 13).
pub(crate) const OUTPUT_CLOSED: u8 = 141;
/// Exit code: `replay` stopped by Ctrl-C (SIGINT), as shells report it (128 + 2).
pub(crate) const INTERRUPTED: u8 = 130;

/// The exit code of a run that did not fail outright.
pub(crate) type Outcome = Result<u8, Failure>;

/// A failed run: the exit code, the message, and details for `--verbose`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: u8,
    pub message: String,
    /// Appended with `--verbose`: Revolut's error id, the attempt count.
    pub detail: Option<String>,
    /// Ends the run with `code` and prints nothing (the reader of stdout left).
    pub quiet: bool,
}

impl Failure {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            detail: None,
            quiet: false,
        }
    }

    /// Writing to stdout failed. A reader that closed the pipe (`| head -1`) has
    /// all it wanted: that ends the run with success and no message, as `git log` does.
    pub(crate) fn output(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            Failure {
                quiet: true,
                ..Self::new(OK, "")
            }
        } else {
            Self::new(API, format!("cannot write to standard output: {error}"))
        }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(USAGE, message)
    }

    /// The line printed after `error: `.
    pub(crate) fn line(&self, verbose: bool) -> String {
        match (&self.detail, verbose) {
            (Some(detail), true) => format!("{} ({detail})", self.message),
            _ => self.message.clone(),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let attempts = error.attempts();
        match &error {
            Error::Api(api) => {
                let mut message = format!("HTTP {}", api.status);
                if let Some(code) = api.code {
                    message.push_str(&format!(", Revolut code {code}"));
                }
                message.push_str(&format!(": {}", api.message));
                if api.status == 401 {
                    message.push_str(
                        " (check REVOLUT_ACCESS_TOKEN, or the refresh settings, and that they belong to this environment)",
                    );
                }
                if let Some(snippet) = &api.body_snippet {
                    message.push_str(&format!(" (body starts: {snippet:?})"));
                }
                if let Some(wait) = api.retry_after {
                    message.push_str(&format!("; retry after {} s", wait.as_secs_f64()));
                }
                let mut detail = Vec::new();
                if let Some(id) = &api.error_id {
                    detail.push(format!("error id {id}"));
                }
                detail.push(format!("{attempts} attempt{}", plural(attempts)));
                Failure {
                    code: if api.status == 401 { AUTH } else { API },
                    message,
                    detail: Some(detail.join(", ")),
                    quiet: false,
                }
            }
            Error::Auth(_) => Failure::new(AUTH, error.to_string()),
            Error::Validation(_) => Failure::usage(error.to_string()),
            _ => Failure {
                code: API,
                // The count goes in the detail, once, for --verbose.
                message: without_attempts(error.to_string(), attempts),
                detail: Some(format!("{attempts} attempt{}", plural(attempts))),
                quiet: false,
            },
        }
    }
}

/// A refused value, in the words the user typed: the flag's name, not the API field's.
pub(crate) fn flag(name: &'static str) -> impl Fn(ValidationError) -> Failure {
    move |e| Failure::usage(format!("{name}: {}", e.reason))
}

/// The library's message without its ` [after N attempts]` suffix.
fn without_attempts(message: String, attempts: u32) -> String {
    let suffix = format!(" [after {attempts} attempts]");
    match message.strip_suffix(&suffix) {
        Some(rest) => rest.to_owned(),
        None => message,
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}
