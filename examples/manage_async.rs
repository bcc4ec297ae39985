//! Manage webhooks with the async client, and walk every failed event as a stream.
//!
//! Needs an access token (REVOLUT_ACCESS_TOKEN); runs against the Sandbox unless
//! REVOLUT_BASE_URL names another host (such as a local emulator).
//!
//! ```sh
//! REVOLUT_ACCESS_TOKEN=oa_sand_... cargo run --example manage_async --features async
//! ```

use std::process::ExitCode;

use futures_util::TryStreamExt;
use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::nonblocking::Client;
use revolut_webhooks::{
    CreateWebhook, Environment, EventType, FailedEventsQuery, SecretExpiration, UpdateWebhook,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Ok(token) = std::env::var("REVOLUT_ACCESS_TOKEN") else {
        eprintln!(
            "This example manages real webhooks, so it needs a Revolut Business access token:\n\
             \n  REVOLUT_ACCESS_TOKEN=<token> cargo run --example manage_async --features async\n\
             \nIt uses the Sandbox (https://sandbox-b2b.revolut.com) unless REVOLUT_BASE_URL says otherwise.\n\
             To try everything without an account, run the quickstart against the local emulator instead."
        );
        return ExitCode::SUCCESS;
    };
    match run(token).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(token: String) -> Result<(), Box<dyn std::error::Error>> {
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

    let created = hooks
        .create(&CreateWebhook::new(url)?.with_events([EventType::TransactionCreated])?)
        .await?;
    println!(
        "created {} -> {} {:?}",
        created.id, created.url, created.events
    );

    for hook in hooks.list().await? {
        println!("listed  {} -> {} {:?}", hook.id, hook.url, hook.events);
    }

    let updated = hooks
        .update(
            created.id,
            &UpdateWebhook::from_events([EventType::PayoutLinkCreated])?,
        )
        .await?;
    println!("updated {} {:?}", updated.id, updated.events);

    let rotated = hooks
        .rotate_signing_secret(created.id, Some(SecretExpiration::from_minutes(30)?))
        .await?;
    println!(
        "rotated {}: the old secret stays valid for 30 minutes",
        rotated.id
    );

    let mut failed =
        hooks.failed_events_all(created.id, &FailedEventsQuery::new().with_limit(1000)?)?;
    let mut count = 0;
    while let Some(event) = failed.try_next().await? {
        count += 1;
        println!("failed  {} at {}", event.id, event.created_at);
    }
    println!("{count} failed events in all");

    hooks.delete(created.id).await?;
    println!("deleted {}", created.id);
    Ok(())
}
