//! `list`, `get`, `create`, `update`, `delete`, `rotate`: one webhook API call each.

use revolut_webhooks::{CreateWebhook, EventType, SecretExpiration, UpdateWebhook, WebhookId};
use serde_json::json;

use crate::args::Api;
use crate::config;
use crate::failure::Outcome;
use crate::failure::{self, Failure, flag};
use crate::output::{self, Out};

pub(crate) fn list(out: &mut Out, json: bool, api: &Api) -> Outcome {
    let hooks = config::client(api)?.webhooks().list()?;
    output::webhooks(out, json, &hooks)?;
    Ok(failure::OK)
}

pub(crate) fn get(
    out: &mut Out,
    json: bool,
    api: &Api,
    id: WebhookId,
    show_secret: bool,
) -> Outcome {
    let hook = config::client(api)?.webhooks().get(id)?;
    output::webhook_with_secret(out, json, &hook, show_secret)?;
    Ok(failure::OK)
}

pub(crate) fn create(
    out: &mut Out,
    json: bool,
    api: &Api,
    url: String,
    events: &[String],
    show_secret: bool,
) -> Outcome {
    let mut create = CreateWebhook::new(url).map_err(flag("URL"))?;
    if !events.is_empty() {
        create = create
            .with_events(event_types(events)?)
            .map_err(flag("--events"))?;
    }
    let hook = config::client(api)?.webhooks().create(&create)?;
    output::webhook_with_secret(out, json, &hook, show_secret)?;
    Ok(failure::OK)
}

pub(crate) fn update(
    out: &mut Out,
    json: bool,
    api: &Api,
    id: WebhookId,
    url: Option<String>,
    events: &[String],
) -> Outcome {
    let events = (!events.is_empty())
        .then(|| event_types(events))
        .transpose()?;
    let update = match (url, events) {
        (Some(url), events) => {
            let update = UpdateWebhook::from_url(url).map_err(flag("--url"))?;
            match events {
                Some(events) => update.and_events(events).map_err(flag("--events"))?,
                None => update,
            }
        }
        (None, Some(events)) => UpdateWebhook::from_events(events).map_err(flag("--events"))?,
        (None, None) => {
            return Err(Failure::usage("update needs --url, --events, or both"));
        }
    };
    let hook = config::client(api)?.webhooks().update(id, &update)?;
    output::webhooks(out, json, &[hook])?;
    Ok(failure::OK)
}

pub(crate) fn delete(out: &mut Out, json: bool, api: &Api, id: WebhookId) -> Outcome {
    config::client(api)?.webhooks().delete(id)?;
    if json {
        out.json(&json!({ "id": id, "deleted": true }))?;
    } else {
        out.line(format_args!("deleted {id}"))?;
    }
    Ok(failure::OK)
}

pub(crate) fn rotate(
    out: &mut Out,
    json: bool,
    api: &Api,
    id: WebhookId,
    expire_after: Option<&str>,
    show_secret: bool,
) -> Outcome {
    let expiration = expire_after
        .map(str::parse::<SecretExpiration>)
        .transpose()
        .map_err(flag("--expire-after"))?;
    let hook = config::client(api)?
        .webhooks()
        .rotate_signing_secret(id, expiration)?;
    output::webhook_with_secret(out, json, &hook, show_secret)?;
    Ok(failure::OK)
}

/// Event type names; unknown names are refused here rather than by the API.
fn event_types(names: &[String]) -> Result<Vec<EventType>, Failure> {
    names
        .iter()
        .map(|name| {
            let t: EventType = name.trim().parse().unwrap_or_else(|e| match e {});
            if t.is_unknown() {
                let known: Vec<&str> = EventType::ALL.iter().map(EventType::as_str).collect();
                Err(Failure::usage(format!(
                    "--events: unknown event type {name:?}; known: {}",
                    known.join(", ")
                )))
            } else {
                Ok(t)
            }
        })
        .collect()
}
