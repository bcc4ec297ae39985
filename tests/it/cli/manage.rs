//! The management commands (`list`, `get`, `create`, `update`, `delete`, `rotate`,
//! `failed`) in both output formats: no secret printed unasked, times and columns.

use std::collections::HashSet;

use revolut_webhooks::WebhookId;
use serde_json::json;
use time::OffsetDateTime;

use super::setup::*;

#[test]
fn management_commands_in_both_formats_never_print_secrets_unasked() {
    let s = Setup::new("manage");

    // create, table and json
    let created = s.run(&[
        "create",
        "https://127.0.0.1:9/a",
        "--events",
        "TransactionCreated",
    ]);
    assert_code(&created, 0);
    assert!(created.stdout.starts_with("ID"), "{created:?}");
    assert!(
        created
            .stdout
            .contains("https://127.0.0.1:9/a  TransactionCreated")
    );
    assert!(created.stderr.contains("--show-secret"));
    let id_a: WebhookId = created.stdout.lines().nth(1).unwrap()[..36]
        .parse()
        .unwrap();

    let created = s.run(&["create", "https://127.0.0.1:9/b", "-o", "json"]);
    assert_code(&created, 0);
    let b = &created.json_lines()[0];
    assert_eq!(b["url"], "https://127.0.0.1:9/b");
    assert_eq!(
        b["events"],
        json!(["TransactionCreated", "TransactionStateChanged"])
    );
    assert!(b.get("signing_secret").is_none());
    let id_b: WebhookId = b["id"].as_str().unwrap().parse().unwrap();

    // list
    let list = s.run(&["list"]);
    assert_code(&list, 0);
    assert_eq!(list.stdout.lines().count(), 3, "{list:?}");
    assert!(list.stdout.lines().next().unwrap().starts_with("ID"));
    let list = s.run(&["list", "--output", "json"]);
    let ids: HashSet<String> = list
        .json_lines()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, HashSet::from([id_a.to_string(), id_b.to_string()]));

    // get, with and without the secret
    let get = s.run(&["get", &id_a.to_string()]);
    assert_code(&get, 0);
    assert!(get.stdout.contains(&id_a.to_string()));
    assert!(!get.stdout.contains("SIGNING SECRET"));
    let get = s.run(&["get", &id_a.to_string(), "-o", "json"]);
    assert!(get.json_lines()[0].get("signing_secret").is_none());
    let secret_a = &s.secrets(id_a)[0];
    let shown = s.run(&["get", &id_a.to_string(), "--show-secret"]);
    assert!(shown.stdout.contains("SIGNING SECRET"));
    assert!(shown.stdout.contains(secret_a.as_str()));
    let shown = s.run(&["get", &id_a.to_string(), "--show-secret", "-o", "json"]);
    assert_eq!(shown.json_lines()[0]["signing_secret"], secret_a.as_str());

    // update
    let update = s.run(&[
        "update",
        &id_a.to_string(),
        "--url",
        "https://127.0.0.1:9/a2",
        "--events",
        "PayoutLinkCreated,PayoutLinkStateChanged",
    ]);
    assert_code(&update, 0);
    assert!(
        update
            .stdout
            .contains("https://127.0.0.1:9/a2  PayoutLinkCreated,PayoutLinkStateChanged")
    );
    let update = s.run(&[
        "update",
        &id_b.to_string(),
        "--events",
        "TransactionStateChanged",
        "-o",
        "json",
    ]);
    assert_eq!(
        update.json_lines()[0]["events"],
        json!(["TransactionStateChanged"])
    );

    // rotate, keeping the old secret 5h30m
    let rotate = s.run(&["rotate", &id_a.to_string(), "--expire-after", "PT5H30M"]);
    assert_code(&rotate, 0);
    assert_eq!(s.secrets(id_a).len(), 2);
    let rotate = s.run(&["rotate", &id_b.to_string(), "-o", "json"]);
    assert_code(&rotate, 0);
    assert!(rotate.json_lines()[0].get("signing_secret").is_none());
    let rotate = s.run(&["rotate", &id_b.to_string(), "--show-secret", "-o", "json"]);
    assert_eq!(
        rotate.json_lines()[0]["signing_secret"],
        s.secrets(id_b)[0].as_str()
    );

    // no output so far, except the --show-secret ones, held any secret
    let mut every_secret = s.secrets(id_a);
    every_secret.extend(s.secrets(id_b));
    let quiet = [
        s.run(&["list"]),
        s.run(&["list", "-o", "json"]),
        s.run(&["get", &id_a.to_string()]),
        s.run(&["get", &id_b.to_string(), "-o", "json"]),
        s.run(&["rotate", &id_b.to_string(), "--expire-after", "PT1M"]),
        s.run(&["failed", &id_a.to_string(), "--all"]),
    ];
    every_secret.extend(s.secrets(id_b));
    for run in &quiet {
        for secret in &every_secret {
            assert!(!run.all().contains(secret.as_str()), "{run:?}");
        }
        assert!(!run.all().contains("wsk_"), "{run:?}");
    }

    // delete
    let delete = s.run(&["delete", &id_a.to_string()]);
    assert_code(&delete, 0);
    assert_eq!(delete.stdout.trim(), format!("deleted {id_a}"));
    let delete = s.run(&["delete", &id_b.to_string(), "-o", "json"]);
    assert_eq!(
        delete.json_lines()[0],
        json!({ "id": id_b.to_string(), "deleted": true })
    );
    let list = s.run(&["list"]);
    assert_eq!(list.stdout.trim(), "no webhooks");
    assert_eq!(s.run(&["list", "-o", "json"]).stdout, "");
}

#[test]
fn failed_lists_one_page_or_all_with_limit_and_before_in_both_formats() {
    let s = Setup::new("failed");
    let id = s.outage(5);
    let id = id.to_string();

    let page = s.run(&["failed", &id, "--limit", "2", "-o", "json"]);
    assert_code(&page, 0);
    let page = page.json_lines();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["payload"]["data"]["id"], "evt-4", "newest first");
    assert_eq!(page[0]["webhook_id"], id.as_str());

    let all = s.run(&["failed", &id, "--all", "--limit", "2", "-o", "json"]);
    assert_code(&all, 0);
    let ids: Vec<String> = all
        .json_lines()
        .iter()
        .map(|v| v["payload"]["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["evt-4", "evt-3", "evt-2", "evt-1", "evt-0"]);

    let table = s.run(&["failed", &id, "--all", "--limit", "2"]);
    assert_code(&table, 0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{table:?}");
    assert!(lines[0].starts_with("ID") && lines[0].contains("CREATED AT"));
    assert!(lines[1..].iter().all(|l| l.ends_with("TransactionCreated")));

    let one_page = s.run(&["failed", &id]);
    assert_eq!(one_page.stdout.lines().count(), 6);

    // --before: a date after everything, and a date-time before everything.
    let tomorrow = (OffsetDateTime::now_utc() + time::Duration::days(1)).date();
    let before = s.run(&[
        "failed",
        &id,
        "--before",
        &tomorrow.to_string(),
        "-o",
        "json",
    ]);
    assert_code(&before, 0);
    assert_eq!(before.json_lines().len(), 5);
    let early = (OffsetDateTime::now_utc() - time::Duration::hours(3))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let none = s.run(&["failed", &id, "--before", &early]);
    assert_code(&none, 0);
    assert_eq!(none.stdout.trim(), "no failed events");
    assert_eq!(
        s.run(&["failed", &id, "--all", "--before", &early, "-o", "json"])
            .stdout,
        ""
    );
}

/// A receiver that accepts `budget` deliveries with a valid signature and then
/// answers 503 (an outage) until the budget is raised.

#[test]
fn times_print_with_six_fractional_digits_and_columns_align() {
    // Microseconds that end in zeros: .100000, then .100001 and .100002 (the
    // clock moves on before each event).
    let start = (OffsetDateTime::now_utc() - time::Duration::hours(2))
        .replace_microsecond(99_999)
        .unwrap();
    let s = Setup::starting_at("times", start);
    let id = s.outage_every(
        3,
        time::Duration::minutes(1) + time::Duration::microseconds(1),
    );
    let id_s = id.to_string();
    let exact = |text: &str| {
        text.len() == 27
            && text.as_bytes()[19] == b'.'
            && text[20..26].bytes().all(|b| b.is_ascii_digit())
            && text.ends_with('Z')
    };

    let json = s.run(&["failed", &id_s, "-o", "json"]);
    assert_code(&json, 0);
    let lines = json.json_lines();
    let oldest = &lines[2];
    assert_eq!(oldest["payload"]["data"]["id"], "evt-0");
    assert!(
        oldest["created_at"].as_str().unwrap().ends_with(".100000Z"),
        "{oldest}"
    );
    for line in &lines {
        for field in ["created_at", "updated_at", "last_sent_date"] {
            let t = line[field].as_str().unwrap();
            assert!(exact(t), "{field}: {t}");
        }
    }

    // The same text in tables, and every column starts at the same place.
    let column_of = |lines: &[&str], word: &str| -> HashSet<usize> {
        lines.iter().map(|l| l.find(word).unwrap()).collect()
    };
    let table = s.run(&["failed", &id_s]);
    let rows: Vec<&str> = table.stdout.lines().skip(1).collect();
    assert!(table.stdout.contains(".100000Z"), "{table:?}");
    assert_eq!(column_of(&rows, "TransactionCreated").len(), 1, "{table:?}");

    let replay = s.run_with(
        &["replay", &id_s, "--to", "http://127.0.0.1:1/x", "--dry-run"],
        &[
            ("REVOLUT_ACCESS_TOKEN", s.token()),
            ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
        ],
    );
    assert_code(&replay, 0);
    let rows: Vec<&str> = replay
        .stdout
        .lines()
        .filter(|l| l.starts_with("would-deliver"))
        .collect();
    assert_eq!(rows.len(), 3, "{replay:?}");
    assert!(rows[0].contains(".100000Z"), "{replay:?}");
    assert_eq!(
        column_of(&rows, "TransactionCreated").len(),
        1,
        "{replay:?}"
    );
}

#[test]
fn one_page_of_failed_events_says_when_there_is_more() {
    let s = Setup::new("more");
    let id = s.outage(3).to_string();

    let page = s.run(&["failed", &id, "--limit", "2"]);
    assert_code(&page, 0);
    assert_eq!(page.stdout.lines().count(), 3, "{page:?}");
    assert!(
        page.stderr.contains("more failed events than the 2 shown")
            && page.stderr.contains("--all"),
        "{page:?}"
    );
    let page = s.run(&["failed", &id, "--limit", "2", "-o", "json"]);
    assert_eq!(page.json_lines().len(), 2);
    assert!(page.stderr.contains("--all"), "{page:?}");

    // Exactly a page, or less: nothing more to say.
    for args in [&["failed", &id, "--limit", "3"][..], &["failed", &id]] {
        let run = s.run(args);
        assert_code(&run, 0);
        assert_eq!(run.stdout.lines().count(), 4, "{run:?}");
        assert_eq!(run.stderr, "", "{args:?}");
    }
}
