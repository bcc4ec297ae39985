//! Every endpoint of the webhooks API, one file each: the file states the endpoint
//! (method, path, whether it may be repeated) once, and builds its `Call`.
//!
//! A new endpoint is its file here, its name in the list below, and its method on
//! `Webhooks` (`src/shell/webhooks.rs`); a test checks that the list and the files agree.

use serde::de::DeserializeOwned;

use super::call::{Call, Endpoint};

/// Declares each endpoint's file and makes its function public under its own name.
macro_rules! endpoints {
    ($($name:ident),* $(,)?) => {
        $(mod $name; pub use $name::$name;)*
        /// Every endpoint's file name, for the test that the list is complete.
        #[cfg(test)]
        const LISTED: &[&str] = &[$(stringify!($name)),*];
    };
}

endpoints!(
    create_webhook,
    delete_webhook,
    failed_events,
    get_webhook,
    list_webhooks,
    rotate_signing_secret,
    update_webhook,
);

pub(crate) use failed_events::failed_events_page;

pub(super) fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    // Checking UTF-8 once for the whole body lets serde_json skip the check for
    // every string and every raw payload: a page of 1,000 failed events decodes
    // about 1.2 times as fast. A body that is not UTF-8 goes to `from_slice`,
    // whose error says where the bad byte is.
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

pub(super) fn nothing(_: &[u8]) -> Result<(), serde_json::Error> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;
    use crate::http_types::Method;
    use crate::models::EventType;
    use crate::models::{CreateWebhook, FailedEventsQuery, UpdateWebhook, WebhookId};
    use crate::request::HttpRequest;
    use time::macros::datetime;

    const ID: &str = "c6db947e-e9ce-41c2-b445-02e6eb741d21";

    fn id() -> WebhookId {
        ID.parse().unwrap()
    }

    fn now() -> time::OffsetDateTime {
        datetime!(2026-11-25 12:00 UTC)
    }

    fn body(call: &HttpRequest) -> &str {
        std::str::from_utf8(&call.body.as_ref().unwrap().bytes).unwrap()
    }

    #[test]
    fn every_file_here_is_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/request/endpoints");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name != "mod.rs")
            .filter_map(|name| name.strip_suffix(".rs").map(str::to_owned))
            .collect();
        files.sort();
        let mut listed: Vec<&str> = LISTED.to_vec();
        listed.sort_unstable();
        assert_eq!(files, listed);
    }

    #[test]
    fn only_creating_and_rotating_are_unsafe_to_repeat() {
        let create = CreateWebhook::new("https://example.com/hook").unwrap();
        assert!(list_webhooks().repeat().is_safe());
        assert!(get_webhook(id()).repeat().is_safe());
        assert!(!create_webhook(&create).repeat().is_safe());
        assert!(
            update_webhook(id(), &UpdateWebhook::from_url("https://e.com").unwrap())
                .repeat()
                .is_safe()
        );
        assert!(delete_webhook(id()).repeat().is_safe());
        assert!(!rotate_signing_secret(id(), None).repeat().is_safe());
        assert!(failed_events_page(id(), None, None).repeat().is_safe());
    }

    #[test]
    fn every_path_template_is_its_path_without_the_id() {
        let create = CreateWebhook::new("https://example.com/hook").unwrap();
        let update = UpdateWebhook::from_url("https://example.com/other").unwrap();
        let templates = [
            (
                list_webhooks().request().path.clone(),
                list_webhooks().template(),
            ),
            (
                get_webhook(id()).request().path.clone(),
                get_webhook(id()).template(),
            ),
            (
                create_webhook(&create).request().path.clone(),
                create_webhook(&create).template(),
            ),
            (
                update_webhook(id(), &update).request().path.clone(),
                update_webhook(id(), &update).template(),
            ),
            (
                delete_webhook(id()).request().path.clone(),
                delete_webhook(id()).template(),
            ),
            (
                rotate_signing_secret(id(), None).request().path.clone(),
                rotate_signing_secret(id(), None).template(),
            ),
            (
                failed_events_page(id(), Some(5), None)
                    .request()
                    .path
                    .clone(),
                failed_events_page(id(), Some(5), None).template(),
            ),
        ];
        for (path, template) in templates {
            assert!(!template.contains(ID));
            assert_eq!(path.replace(ID, "{id}"), format!("/api/2.0{template}"));
        }
    }

    #[test]
    fn every_endpoint_builds_its_request() {
        let env = Environment::Production;
        let list = list_webhooks();
        assert_eq!(list.request().method, Method::Get);
        assert_eq!(
            list.request().url(&env),
            "https://b2b.revolut.com/api/2.0/webhooks"
        );
        assert!(list.request().body.is_none());

        let get = get_webhook(id());
        assert_eq!(get.request().method, Method::Get);
        assert_eq!(get.request().path, format!("/api/2.0/webhooks/{ID}"));

        let create = create_webhook(
            &CreateWebhook::new("https://www.example.com")
                .unwrap()
                .with_events([EventType::TransactionCreated, EventType::PayoutLinkCreated])
                .unwrap(),
        );
        assert_eq!(create.request().method, Method::Post);
        assert_eq!(create.request().path, "/api/2.0/webhooks");
        assert_eq!(
            body(create.request()),
            r#"{"url":"https://www.example.com","events":["TransactionCreated","PayoutLinkCreated"]}"#
        );
        assert_eq!(
            create.request().body.as_ref().unwrap().content_type,
            "application/json"
        );

        let update = update_webhook(
            id(),
            &UpdateWebhook::from_url("https://www.example.com/").unwrap(),
        );
        assert_eq!(update.request().method, Method::Patch);
        assert_eq!(update.request().path, format!("/api/2.0/webhooks/{ID}"));
        assert_eq!(
            body(update.request()),
            r#"{"url":"https://www.example.com/"}"#
        );

        let delete = delete_webhook(id());
        assert_eq!(delete.request().method, Method::Delete);
        assert_eq!(delete.request().path, format!("/api/2.0/webhooks/{ID}"));

        let rotate = rotate_signing_secret(id(), None);
        assert_eq!(rotate.request().method, Method::Post);
        assert_eq!(
            rotate.request().path,
            format!("/api/2.0/webhooks/{ID}/rotate-signing-secret")
        );
        assert_eq!(body(rotate.request()), "{}");
        let rotate = rotate_signing_secret(id(), Some("PT5H30M".parse().unwrap()));
        assert_eq!(body(rotate.request()), r#"{"expiration_period":"PT5H30M"}"#);

        let page = failed_events(
            id(),
            &FailedEventsQuery::new()
                .with_limit(50)
                .unwrap()
                .with_created_before(datetime!(2026-11-20 10:00:00.5 +01:00)),
            now(),
        )
        .unwrap();
        assert_eq!(
            page.request().url(&env),
            format!(
                "https://b2b.revolut.com/api/2.0/webhooks/{ID}/failed-events?limit=50&created_before=2026-11-20T09%3A00%3A00.500000Z"
            )
        );
        let plain = failed_events(id(), &FailedEventsQuery::new(), now()).unwrap();
        assert!(plain.request().query.is_empty());
    }

    #[test]
    fn validation_happens_before_a_request_exists() {
        let old = FailedEventsQuery::new().with_created_before(now() - time::Duration::days(22));
        assert_eq!(
            failed_events(id(), &old, now()).unwrap_err().field,
            "created_before"
        );
    }
}
