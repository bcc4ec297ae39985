//! The Revolut webhooks emulator on its own, for receivers written in any language.
//!
//! ```text
//! cargo run --features emulator --example emulator -- --port 8080
//! ```
//!
//! Options:
//! - `--port N`: the port on 127.0.0.1 (default: any free port);
//! - `--retry-interval-ms N`: real time between delivery attempts (default 600000, 10 minutes);
//! - `--https-only`: refuse `http://` webhook URLs even to loopback hosts (by default
//!   `http://127.0.0.1:…` receivers are allowed, since local receivers rarely have TLS);
//! - `--token T`: use `T` as the never-expiring access token instead of a random one.
//!
//! It prints its base URL, an access token and curl commands to try, then serves
//! until interrupted (Ctrl-C).

use std::time::Duration;

use revolut_webhooks::emulator::Emulator;

fn main() {
    if let Err(message) = run() {
        eprintln!("error: {message}");
        eprintln!("usage: emulator [--port N] [--retry-interval-ms N] [--https-only] [--token T]");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut builder = Emulator::builder().allow_loopback_http(true);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                let port = value("--port")?;
                builder = builder.port(port.parse().map_err(|_| format!("bad port {port:?}"))?);
            }
            "--retry-interval-ms" => {
                let ms = value("--retry-interval-ms")?;
                let ms: u64 = ms.parse().map_err(|_| format!("bad interval {ms:?}"))?;
                builder = builder.retry_interval(Duration::from_millis(ms));
            }
            "--https-only" => builder = builder.allow_loopback_http(false),
            "--token" => builder = builder.access_token(value("--token")?),
            "-h" | "--help" => {
                println!(
                    "usage: emulator [--port N] [--retry-interval-ms N] [--https-only] [--token T]"
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let emulator = builder.start().map_err(|e| format!("cannot start: {e}"))?;
    let base = emulator.base_url();
    let token = emulator.access_token().expose_secret();
    println!("Revolut webhooks emulator listening on {base}");
    println!();
    println!("  webhooks API:   {base}/api/2.0/webhooks");
    println!("  token endpoint: {base}/api/1.0/auth/token");
    println!(
        "  access token:   {token}   (never expires; tokens from the token endpoint last 40 minutes)"
    );
    println!(
        "  auth code:      {}   (single use; POST {base}/_emulator/authorization-code for more)",
        emulator.authorization_code()
    );
    println!();
    println!("Try:");
    println!(
        "  curl -s -X POST {base}/api/2.0/webhooks -H 'Authorization: Bearer {token}' \\\n    -H 'Content-Type: application/json' -d '{{\"url\":\"http://127.0.0.1:3000/webhooks\",\"events\":[\"TransactionCreated\"]}}'"
    );
    println!(
        "  curl -s -X POST {base}/_emulator/events -H 'Content-Type: application/json' -d '{{\"event\":\"TransactionCreated\"}}'"
    );
    println!("  curl -s {base}/api/2.0/webhooks -H 'Authorization: Bearer {token}'");
    println!();
    println!("Press Ctrl-C to stop.");
    loop {
        std::thread::park();
    }
}
