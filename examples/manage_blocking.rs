//! Manage webhooks with the blocking client: create, list, get, update, rotate the
//! signing secret, read failed events, delete.
//!
//! Needs an access token (REVOLUT_ACCESS_TOKEN); runs against the Sandbox unless
//! REVOLUT_BASE_URL names another host (such as a local emulator).
//!
//! ```sh
//! REVOLUT_ACCESS_TOKEN=oa_sand_... cargo run --example manage_blocking
//! ```

use std::process::ExitCode;

use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::{
    CreateWebhook, Environment, EventType, FailedEventsQuery, SecretExpiration, UpdateWebhook,
};

fn main() -> ExitCode {
    let Ok(token) = std::env::var("REVOLUT_ACCESS_TOKEN") else {
        eprintln!(
            "This example manages real webhooks, so it needs a Revolut Business access token:\n\
             \n  REVOLUT_ACCESS_TOKEN=<token> cargo run --example manage_blocking\n\
             \nIt uses the Sandbox (https://sandbox-b2b.revolut.com) unless REVOLUT_BASE_URL says otherwise.\n\
             To try everything without an account, run the quickstart against the local emulator instead."
        );
        return ExitCode::SUCCESS;
    };
    match run(token) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(token: String) -> Result<(), Box<dyn std::error::Error>> {
    let environment = match std::env::var("REVOLUT_BASE_URL") {
        Ok(url) => Environment::custom(&url)?,
        Err(_) => Environment::Sandbox,
    };
    let url = std::env::var("REVOLUT_WEBHOOK_URL")
        .unwrap_or_else(|_| "https://example.com/revolut-webhooks-demo".to_owned());
    let client = Client::builder()
        .environment(environment)
        .token_provider(StaticToken::new(token))
        .build()?;
    let hooks = client.webhooks();
    println!("talking to {}", client.environment());

    let created =
        hooks.create(&CreateWebhook::new(url)?.with_events([EventType::TransactionCreated])?)?;
    println!(
        "created {} -> {} {:?}",
        created.id, created.url, created.events
    );

    for hook in hooks.list()? {
        println!("listed  {} -> {} {:?}", hook.id, hook.url, hook.events);
    }

    let fetched = hooks.get(created.id)?;
    println!(
        "got     {} (signing secret: {:?})",
        fetched.id, fetched.signing_secret
    );

    let updated = hooks.update(
        created.id,
        &UpdateWebhook::from_events([
            EventType::TransactionCreated,
            EventType::PayoutLinkStateChanged,
        ])?,
    )?;
    println!("updated {} {:?}", updated.id, updated.events);

    let rotated =
        hooks.rotate_signing_secret(created.id, Some(SecretExpiration::from_hours(1)?))?;
    println!(
        "rotated {}: the old secret stays valid for an hour",
        rotated.id
    );

    let page = hooks.failed_events(created.id, &FailedEventsQuery::new().with_limit(100)?)?;
    println!("{} failed events on the first page", page.len());

    hooks.delete(created.id)?;
    println!("deleted {}", created.id);
    Ok(())
}
