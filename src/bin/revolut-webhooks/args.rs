//! The command line, declared with clap's derive API.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use revolut_webhooks::WebhookId;

use crate::time_arg::TimeArg;

const AFTER_HELP: &str = "\
Configuration (flags win over the environment):
  REVOLUT_ENVIRONMENT    production (default), sandbox, or a base URL such as http://127.0.0.1:8080
  REVOLUT_ACCESS_TOKEN   an access token (lives 40 minutes), or instead the refreshing settings:
  REVOLUT_REFRESH_TOKEN, REVOLUT_CLIENT_ID, REVOLUT_REDIRECT_URI and
  REVOLUT_PRIVATE_KEY (PEM key path, needs the `jwt` feature) or REVOLUT_CLIENT_ASSERTION (a signed JWT)

Secrets are never printed unless a flag asks (`get --show-secret`).

Exit codes:
  0 success, 1 API error, 2 usage error, 3 authentication error,
  4 verification failed, 5 partial replay, 6 a triggered delivery failed,
  130 replay interrupted (Ctrl-C), 141 replay stopped: its standard output was closed";

/// The tool's own one-line description (the crate's is about the library).
const ABOUT: &str = "Manage, inspect, verify and replay Revolut Business webhooks from a shell.";

/// The longest `--timeout` for one delivery: beyond it a receiver is not answering.
pub(crate) const MAX_TIMEOUT_SECS: u64 = 3600;
/// The longest `verify --tolerance`: a week (use `--ignore-age` for older captures).
pub(crate) const MAX_TOLERANCE_SECS: u64 = 7 * 86_400;

#[derive(Debug, Parser)]
#[command(name = "revolut-webhooks", version, about = ABOUT, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// `table` for people, `json` for scripts (one object per line for lists).
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = Format::Table)]
    pub output: Format,

    /// Add the Revolut error id and the attempt count to error messages.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
}

/// Where the API is and how to authenticate: only the subcommands that call the API take these.
#[derive(Debug, Args)]
#[command(next_help_heading = "API and credentials")]
pub(crate) struct Api {
    /// Which API: production, sandbox, or a base URL (https, or http to a loopback host).
    #[arg(
        long,
        short = 'e',
        env = "REVOLUT_ENVIRONMENT",
        default_value = "production"
    )]
    pub environment: String,

    /// An access token (prefer the environment variable: flags show in `ps`).
    #[arg(long, env = "REVOLUT_ACCESS_TOKEN", hide_env_values = true)]
    pub access_token: Option<String>,

    /// A refresh token: the tool then renews access tokens itself (with a client assertion).
    #[arg(long, env = "REVOLUT_REFRESH_TOKEN", hide_env_values = true)]
    pub refresh_token: Option<String>,

    /// The app's client id (with --refresh-token and --private-key).
    #[arg(long, env = "REVOLUT_CLIENT_ID")]
    pub client_id: Option<String>,

    /// The app's OAuth redirect URI; its domain becomes the assertion's issuer.
    #[arg(long, env = "REVOLUT_REDIRECT_URI")]
    pub redirect_uri: Option<String>,

    /// Path of the PEM private key whose certificate is uploaded to Revolut (feature `jwt`).
    #[arg(long, env = "REVOLUT_PRIVATE_KEY")]
    pub private_key: Option<PathBuf>,

    /// A client assertion JWT signed elsewhere, instead of --private-key.
    #[arg(long, env = "REVOLUT_CLIENT_ASSERTION", hide_env_values = true)]
    pub client_assertion: Option<String>,

    /// The token store and rate budget shared with the business's other processes: a
    /// file path (one machine) or a postgres:// URL (feature `postgres`).
    #[arg(
        long,
        env = "REVOLUT_SHARED_STATE",
        hide_env_values = true,
        value_name = "STORE"
    )]
    pub shared_state: Option<String>,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Aligned columns, for people.
    Table,
    /// JSON, one object per line, for scripts.
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List the business's webhooks (never with secrets).
    List {
        #[command(flatten)]
        api: Api,
    },
    /// Show one webhook.
    Get {
        /// The webhook id.
        id: WebhookId,
        /// Also print the signing secret.
        #[arg(long)]
        show_secret: bool,
        #[command(flatten)]
        api: Api,
    },
    /// Create a webhook (at most 10 per business).
    Create {
        /// The https URL Revolut delivers to.
        url: String,
        /// Event types, comma separated (default: TransactionCreated,TransactionStateChanged).
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
        /// Also print the new signing secret (otherwise: `get --show-secret`).
        #[arg(long)]
        show_secret: bool,
        #[command(flatten)]
        api: Api,
    },
    /// Change a webhook's URL, events, or both.
    Update {
        /// The webhook id.
        id: WebhookId,
        /// The new https URL.
        #[arg(long)]
        url: Option<String>,
        /// The new event types, comma separated.
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
        #[command(flatten)]
        api: Api,
    },
    /// Delete a webhook (its failed events go with it).
    Delete {
        /// The webhook id.
        id: WebhookId,
        #[command(flatten)]
        api: Api,
    },
    /// Give a webhook a new signing secret.
    Rotate {
        /// The webhook id.
        id: WebhookId,
        /// Keep the old secret valid this long, as ISO 8601 (PT5H30M, P1D; at most P7D).
        /// Without it the old secret stops working at once.
        #[arg(long, value_name = "DURATION")]
        expire_after: Option<String>,
        /// Also print the new signing secret.
        #[arg(long)]
        show_secret: bool,
        #[command(flatten)]
        api: Api,
    },
    /// List a webhook's failed events, newest first: one page, or --all.
    Failed {
        /// The webhook id.
        id: WebhookId,
        /// Every failed event, page after page, each exactly once.
        #[arg(long)]
        all: bool,
        /// Page size, 1..=1000 (default 100).
        #[arg(long)]
        limit: Option<u32>,
        /// Only events created before this date (2026-01-05) or date-time (RFC 3339).
        #[arg(long, value_name = "WHEN")]
        before: Option<TimeArg>,
        #[command(flatten)]
        api: Api,
    },
    /// POST a webhook's failed events to a receiver again, signed, resumably.
    Replay(ReplayArgs),
    /// Check a captured delivery's signature: says valid or why not.
    Verify(VerifyArgs),
    /// Run the local emulator of the webhooks API (binary built with `emulator`).
    Emulator(crate::emulator::EmulatorArgs),
    /// Make a running emulator emit an event; show each receiver's answer.
    Trigger(TriggerArgs),
    /// Receive deliveries on 127.0.0.1: verify each, print one line, optionally forward it.
    Listen(ListenArgs),
    /// Take deliveries into a durable inbox (SQLite or PostgreSQL) and forward each to your app until it answers 2xx.
    Relay(crate::relay::RelayArgs),
    /// The relay's inbox: status, reconcile WEBHOOK_ID, dead, retry.
    Inbox(crate::inbox::InboxArgs),
    /// Sandbox simulations: top up an account, complete/revert/decline/fail a transfer
    /// (sandbox or an emulator only; refused for production).
    Sandbox(crate::sandbox::SandboxArgs),
    /// Print a shell completion script (e.g. `source <(revolut-webhooks completions bash)`).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    /// The webhook whose failed events to replay.
    pub id: WebhookId,
    /// The receiver URL to POST each payload to. An https URL is reached through
    /// HTTPS_PROXY (or ALL_PROXY) unless NO_PROXY lists its host, as the API is; an
    /// http URL (a receiver on this machine) never through a proxy.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// The signing secret your receiver verifies with (wsk_...); this or REVOLUT_WEBHOOK_SECRET.
    #[arg(
        long,
        env = "REVOLUT_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub secret: Option<String>,
    /// Only events created at or after this date or date-time.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<TimeArg>,
    /// Only events created before this date or date-time.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<TimeArg>,
    /// The checkpoint of events delivered to this receiver (appended to, synced after each;
    /// skipped on the next run). Default: revolut-replay-<webhook id>-<receiver tag>.ids
    /// in the current directory, one file per webhook and receiver.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Say what would be sent, send nothing, write no state.
    #[arg(long)]
    pub dry_run: bool,
    /// Stop after this many failed deliveries in a row (the receiver is probably down).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub max_consecutive_failures: u32,
    /// Seconds to wait for the receiver's answer to each delivery (1..=3600).
    #[arg(
        long,
        default_value_t = 30,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS)
    )]
    pub timeout: u64,
    #[command(flatten)]
    pub api: Api,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The body exactly as received (`-` for standard input), at most 1 MiB.
    #[arg(long, value_name = "FILE")]
    pub body: PathBuf,
    /// The Revolut-Request-Timestamp header value.
    #[arg(long, value_name = "MS")]
    pub timestamp: String,
    /// The Revolut-Signature header value.
    #[arg(long)]
    pub signature: String,
    /// A signing secret to try (several comma separated, e.g. during a rotation); this or
    /// REVOLUT_WEBHOOK_SECRET.
    #[arg(
        long = "secret",
        env = "REVOLUT_WEBHOOK_SECRET",
        hide_env_values = true,
        value_delimiter = ',',
        value_name = "SECRET"
    )]
    pub secrets: Vec<String>,
    /// How old (or how far ahead) the timestamp may be, in seconds (at most 604800, a week).
    #[arg(
        long,
        default_value_t = 300,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(0..=MAX_TOLERANCE_SECS)
    )]
    pub tolerance: u64,
    /// Skip the timestamp age check (for deliveries captured long ago).
    #[arg(long)]
    pub ignore_age: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TriggerArgs {
    // The known names come from the crate, so a new event type is listed here too. No
    // final period, as clap drops it from the one-paragraph doc comments of the others.
    #[arg(help = format!(
        "{}, or any other name for an event type Revolut may add",
        revolut_webhooks::EventType::ALL
            .iter()
            .map(revolut_webhooks::EventType::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    ))]
    pub event: String,
    /// The event's `data` as JSON from this file (`-` for standard input), instead
    /// of a realistic sample.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Deliver only to this webhook (it must be subscribed to the event).
    #[arg(long, value_name = "ID")]
    pub webhook: Option<WebhookId>,
    /// The running emulator's base URL, as `revolut-webhooks emulator` prints it.
    #[arg(
        long,
        short = 'e',
        env = "REVOLUT_ENVIRONMENT",
        default_value = "production",
        hide_default_value = true,
        value_name = "URL"
    )]
    pub environment: String,
}

#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    /// The port on 127.0.0.1 (0: any free port, printed at start).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// A signing secret to verify with; repeat it (or comma separate) during a rotation.
    /// This or REVOLUT_WEBHOOK_SECRET.
    #[arg(
        long = "secret",
        env = "REVOLUT_WEBHOOK_SECRET",
        hide_env_values = true,
        value_delimiter = ',',
        value_name = "SECRET"
    )]
    pub secrets: Vec<String>,
    /// Pass each delivery (raw body, Revolut headers) to your app at this URL, and answer
    /// the sender with your app's status (an http URL never through a proxy).
    #[arg(long, value_name = "URL")]
    pub forward_to: Option<String>,
    /// Also print each delivery's JSON body.
    #[arg(long)]
    pub print_body: bool,
    /// How old (or how far ahead) a delivery's timestamp may be, in seconds (at most a week).
    #[arg(
        long,
        default_value_t = 300,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(0..=MAX_TOLERANCE_SECS)
    )]
    pub tolerance: u64,
    /// Seconds to wait for your app's answer to each forwarded delivery (1..=3600).
    #[arg(
        long,
        default_value_t = 30,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS)
    )]
    pub timeout: u64,
    /// Stop after this many deliveries (for scripts and tests; default: run until Ctrl-C).
    #[arg(long, value_name = "N", hide = true)]
    pub max_deliveries: Option<u64>,
    /// Milliseconds for a whole request (head and body) to arrive, 1..=60000 (for tests).
    #[arg(
        long,
        default_value_t = 10_000,
        value_name = "MS",
        hide = true,
        value_parser = clap::value_parser!(u64).range(1..=60_000)
    )]
    pub request_deadline_ms: u64,
}
