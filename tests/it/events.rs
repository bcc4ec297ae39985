//! Typed webhook events: the documented examples, unknown types and values, and the rule
//! that `data` is typed by the event name, never by its shape. Runs with no crate feature.

use revolut_webhooks::EventType;
use revolut_webhooks::events::{
    CounterpartyAccountType, EventParseError, PayoutLinkState, TransactionState, TransactionType,
};
use revolut_webhooks::events::{EventData, WebhookEvent};
use time::macros::{date, datetime};
use uuid::uuid;

const TRANSACTION_CREATED: &[u8] = include_bytes!("../fixtures/transaction_created.json");
const TRANSACTION_STATE_CHANGED: &[u8] =
    include_bytes!("../fixtures/transaction_state_changed.json");
const PAYOUT_LINK_STATE_CHANGED: &[u8] =
    include_bytes!("../fixtures/payout_link_state_changed.json");
const PAYOUT_LINK_CREATED: &[u8] = include_bytes!("../fixtures/payout_link_created.json");

#[test]
fn transaction_created_from_the_guide() {
    let event = WebhookEvent::from_slice(TRANSACTION_CREATED).unwrap();
    assert_eq!(event.event, EventType::TransactionCreated);
    assert_eq!(event.timestamp, datetime!(2023-01-26 16:22:21.753463 UTC));
    let EventData::TransactionCreated(tx) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(tx.id, "63d2a8bd-8b67-a2de-b1d2-b58ee21d7073");
    assert_eq!(tx.kind, TransactionType::Transfer);
    assert_eq!(tx.state, TransactionState::Pending);
    assert_eq!(
        tx.request_id.as_deref(),
        Some("6a8b2ad9-d8b9-4348-9207-1c5737ccf11b")
    );
    assert_eq!(tx.created_at, datetime!(2023-01-26 16:22:21.765313 UTC));
    assert_eq!(tx.updated_at, tx.created_at);
    assert_eq!(tx.completed_at, None);
    assert_eq!(tx.reference.as_deref(), Some("To John Doe"));
    assert_eq!(tx.legs.len(), 1);
    let leg = &tx.legs[0];
    assert_eq!(leg.leg_id, uuid!("63d2a8bd-8b67-a2de-0000-b58ee21d7073"));
    assert_eq!(
        leg.account_id,
        uuid!("05018b0d-e67c-4fec-bea6-415e9da9432c")
    );
    assert_eq!(leg.amount, -10.0);
    assert_eq!(leg.amount.to_string(), "-10");
    assert_eq!(leg.currency, "GBP");
    assert_eq!(leg.description.as_deref(), Some("To Acme Corp"));
    assert_eq!(leg.fee, None);
    let cp = leg.counterparty.as_ref().unwrap();
    assert_eq!(cp.account_type, CounterpartyAccountType::External);
    assert_eq!(cp.id, Some(uuid!("7e18625a-3e6c-4d4f-8429-216c25309a5f")));
    assert_eq!(
        cp.account_id,
        Some(uuid!("ff29e658-f07f-4d81-bc0f-7ad0ff141357"))
    );
}

#[test]
fn transaction_created_with_every_optional_field() {
    let json = r#"{"event":"TransactionCreated","timestamp":"2026-01-01T00:00:00Z","data":{
        "id":"tx-1","type":"card_payment","state":"completed","request_id":"r",
        "reason_code":"none","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:01Z",
        "completed_at":"2026-01-01T00:00:02.5+01:00","scheduled_for":"2026-02-03",
        "related_transaction_id":"0e1a8d4b-1d1e-457d-9f10-3e7007a82ea8",
        "merchant":{"name":"Acme Corp.","full_name":"ACME*1234MN1HA2","city":"London","category_code":"5812","country":"GBR"},
        "reference":"ref",
        "card":{"id":"c1","card_number":"4111********1111","first_name":"Ada","last_name":"L","phone":"+44",
                "references":[{"name":"project","value":"apollo"}]},
        "legs":[
          {"leg_id":"63d2a8bd-8b67-a2de-0000-b58ee21d7073","account_id":"05018b0d-e67c-4fec-bea6-415e9da9432c",
           "amount":-12.34,"fee":0.5,"currency":"EUR","bill_amount":-10.61,"bill_currency":"GBP","balance":1234.56,
           "counterparty":{"account_type":"self"}},
          {"leg_id":"63d2a8bd-8b67-a2de-0001-b58ee21d7073","account_id":"05018b0d-e67c-4fec-bea6-415e9da9432d",
           "amount":12.34,"currency":"EUR","counterparty":{"account_type":"crypto_wallet"}}
        ]}}"#;
    let event = WebhookEvent::from_json(json).unwrap();
    let EventData::TransactionCreated(tx) = &event.data else {
        panic!()
    };
    assert_eq!(tx.kind, TransactionType::CardPayment);
    assert_eq!(
        tx.completed_at,
        Some(datetime!(2026-01-01 00:00:02.5 +01:00))
    );
    assert_eq!(tx.scheduled_for, Some(date!(2026 - 02 - 03)));
    assert_eq!(
        tx.merchant.as_ref().unwrap().country.as_deref(),
        Some("GBR")
    );
    let card = tx.card.as_ref().unwrap();
    assert_eq!(card.references[0].value, "apollo");
    assert_eq!(tx.legs[0].amount.to_string(), "-12.34");
    assert_eq!(tx.legs[0].fee, Some(0.5));
    assert_eq!(tx.legs[0].balance, Some(1234.56));
    assert_eq!(
        tx.legs[0].counterparty.as_ref().unwrap().account_type,
        CounterpartyAccountType::OwnAccount
    );
    assert_eq!(
        tx.legs[1].counterparty.as_ref().unwrap().account_type,
        CounterpartyAccountType::Unknown("crypto_wallet".into())
    );
}

#[test]
fn transaction_state_changed_from_the_signature_guide() {
    let event = WebhookEvent::from_slice(TRANSACTION_STATE_CHANGED).unwrap();
    assert_eq!(event.event, EventType::TransactionStateChanged);
    assert_eq!(event.timestamp, datetime!(2023-05-09 16:36:38.028960 UTC));
    let EventData::TransactionStateChanged(change) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(change.id, "645a7696-22f3-aa47-9c74-cbae0449cc46");
    // Not a UUID.
    assert_eq!(
        change.request_id.as_deref(),
        Some("app_charges-9f5d5eb3-1e06-46c5-b1c0-3914763e0bcb")
    );
    assert_eq!(change.old_state, TransactionState::Pending);
    assert_eq!(change.new_state, TransactionState::Completed);
}

#[test]
fn payout_link_state_changed_from_the_spec() {
    let event = WebhookEvent::from_slice(PAYOUT_LINK_STATE_CHANGED).unwrap();
    assert_eq!(event.event, EventType::PayoutLinkStateChanged);
    assert_eq!(event.timestamp, datetime!(2023-07-22 12:31:18.534798 UTC));
    let EventData::PayoutLinkStateChanged(change) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(change.id, "0e1a8d4b-1d1e-457d-9f10-3e7007a82ea8");
    assert_eq!(
        change.request_id.as_deref(),
        Some("2e2837f5-828d-473f-85e8-5614afd3f8e8")
    );
    assert_eq!(change.old_state, PayoutLinkState::Active);
    assert_eq!(change.new_state, PayoutLinkState::Processed);
}

#[test]
fn payout_link_created_is_read_leniently() {
    let event = WebhookEvent::from_slice(PAYOUT_LINK_CREATED).unwrap();
    assert_eq!(event.event, EventType::PayoutLinkCreated);
    let EventData::PayoutLinkCreated(link) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(
        link.id.as_deref(),
        Some("0e1a8d4b-1d1e-457d-9f10-3e7007a82ea8")
    );
    assert_eq!(link.state, Some(PayoutLinkState::Created));
    assert_eq!(link.other["amount"], serde_json::json!(12.5));

    // Any shape of object is accepted: every field is optional.
    let empty = WebhookEvent::from_json(
        r#"{"event":"PayoutLinkCreated","timestamp":"2026-01-01T00:00:00Z","data":{}}"#,
    )
    .unwrap();
    assert!(matches!(empty.data, EventData::PayoutLinkCreated(ref l) if l.id.is_none()));
}

#[test]
fn unknown_event_type_keeps_the_raw_json() {
    let json = r#"{"event":"CardCreated","timestamp":"2026-01-01T00:00:00Z","data":{"id":"c1","amount":1.10,"nested":{"b":1,"a":2}}}"#;
    let event = WebhookEvent::from_json(json).unwrap();
    assert_eq!(event.event, EventType::Unknown("CardCreated".into()));
    let EventData::Unknown(raw) = &event.data else {
        panic!("{:?}", event.data)
    };
    // Byte for byte: number formatting and key order are kept.
    assert_eq!(
        raw.get(),
        r#"{"id":"c1","amount":1.10,"nested":{"b":1,"a":2}}"#
    );

    // No data at all is fine for an unknown type.
    let bare =
        WebhookEvent::from_json(r#"{"event":"Ping","timestamp":"2026-01-01T00:00:00Z"}"#).unwrap();
    assert!(matches!(&bare.data, EventData::Unknown(raw) if raw.get() == "null"));
}

#[test]
fn data_is_chosen_by_the_event_name_not_by_shape() {
    // TransactionStateChanged-shaped data (pending/completed are transaction states)
    // under PayoutLinkStateChanged is a payout link change, with unknown payout states.
    let json = r#"{"event":"PayoutLinkStateChanged","timestamp":"2026-01-01T00:00:00Z","data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-1"}}"#;
    let event = WebhookEvent::from_json(json).unwrap();
    let EventData::PayoutLinkStateChanged(change) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(change.old_state, PayoutLinkState::Unknown("pending".into()));
    assert_eq!(
        change.new_state,
        PayoutLinkState::Unknown("completed".into())
    );

    // Payout-link-shaped data under TransactionStateChanged is a transaction change.
    let json = r#"{"event":"TransactionStateChanged","timestamp":"2026-01-01T00:00:00Z","data":{"id":"x","old_state":"active","new_state":"processed"}}"#;
    let event = WebhookEvent::from_json(json).unwrap();
    assert!(matches!(
        &event.data,
        EventData::TransactionStateChanged(c) if c.new_state == TransactionState::Unknown("processed".into())
    ));

    // A full transaction under an unknown name stays unknown.
    let body = std::str::from_utf8(TRANSACTION_CREATED)
        .unwrap()
        .replace("\"TransactionCreated\"", "\"TransactionCreatedV2\"");
    let event = WebhookEvent::from_json(&body).unwrap();
    assert!(matches!(event.data, EventData::Unknown(_)));

    // And a name that says TransactionCreated requires a transaction.
    let err = WebhookEvent::from_slice(PAYOUT_LINK_STATE_CHANGED)
        .map(|_| ())
        .and_then(|()| {
            let body = std::str::from_utf8(PAYOUT_LINK_STATE_CHANGED)
                .unwrap()
                .replace("PayoutLinkStateChanged", "TransactionCreated");
            WebhookEvent::from_json(&body).map(|_| ())
        })
        .unwrap_err();
    assert!(
        matches!(
            &err,
            EventParseError::Data {
                event: EventType::TransactionCreated,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("TransactionCreated"), "{err}");
}

#[test]
fn unknown_enum_values_and_unknown_fields_are_kept_or_ignored() {
    let json = r#"{"event":"TransactionCreated","timestamp":"2026-01-01T00:00:00Z","extra":true,"data":{
        "id":"t","type":"stablecoin_swap","state":"frozen","created_at":"2026-01-01T00:00:00Z",
        "updated_at":"2026-01-01T00:00:00Z","legs":[],"brand_new_field":{"x":1}}}"#;
    let event = WebhookEvent::from_json(json).unwrap();
    let EventData::TransactionCreated(tx) = &event.data else {
        panic!()
    };
    assert_eq!(tx.kind, TransactionType::Unknown("stablecoin_swap".into()));
    assert_eq!(tx.kind.as_str(), "stablecoin_swap");
    assert_eq!(tx.state, TransactionState::Unknown("frozen".into()));
    assert!(tx.state.is_unknown());
    assert!(tx.legs.is_empty());
}

#[test]
fn every_known_enum_value_parses() {
    for s in [
        "atm",
        "card_payment",
        "card_refund",
        "card_chargeback",
        "card_credit",
        "charge",
        "charge_refund",
        "exchange",
        "transfer",
        "loan",
        "fee",
        "refund",
        "topup",
        "topup_return",
        "tax",
        "tax_refund",
        "rev_payment",
    ] {
        let t = TransactionType::from(s);
        assert!(!t.is_unknown(), "{s}");
        assert_eq!(t.as_str(), s);
    }
    for s in [
        "created",
        "pending",
        "completed",
        "declined",
        "failed",
        "reverted",
    ] {
        assert!(!TransactionState::from(s).is_unknown(), "{s}");
    }
    for s in [
        "created",
        "failed",
        "awaiting",
        "active",
        "expired",
        "cancelled",
        "processing",
        "processed",
    ] {
        assert!(!PayoutLinkState::from(s).is_unknown(), "{s}");
    }
    for s in ["self", "revolut", "external"] {
        assert_eq!(CounterpartyAccountType::from(s).as_str(), s);
    }
}

#[test]
fn invalid_bodies_are_errors_not_panics() {
    for body in [
        &b""[..],
        b"null",
        b"[]",
        b"{}",
        b"\xff\xfe",
        br#"{"event":"TransactionCreated"}"#,
        br#"{"event":"TransactionCreated","timestamp":"yesterday","data":{}}"#,
        br#"{"event":"TransactionCreated","timestamp":1683650202360,"data":{}}"#,
        br#"{"event":42,"timestamp":"2026-01-01T00:00:00Z","data":{}}"#,
    ] {
        let err = WebhookEvent::from_slice(body).unwrap_err();
        assert!(
            matches!(err, EventParseError::Envelope(_)),
            "{body:?}: {err:?}"
        );
    }
    // A known type with missing required data fields.
    for event in [
        "TransactionCreated",
        "TransactionStateChanged",
        "PayoutLinkStateChanged",
    ] {
        let body =
            format!(r#"{{"event":"{event}","timestamp":"2026-01-01T00:00:00Z","data":{{}}}}"#);
        assert!(matches!(
            WebhookEvent::from_json(&body),
            Err(EventParseError::Data { .. })
        ));
        let no_data = format!(r#"{{"event":"{event}","timestamp":"2026-01-01T00:00:00Z"}}"#);
        assert!(WebhookEvent::from_json(&no_data).is_err());
    }
}

#[test]
fn serialize_then_parse_round_trips() {
    for body in [
        TRANSACTION_CREATED,
        TRANSACTION_STATE_CHANGED,
        PAYOUT_LINK_STATE_CHANGED,
        PAYOUT_LINK_CREATED,
        br#"{"event":"CardCreated","timestamp":"2026-01-01T00:00:00Z","data":{"id":"c1"}}"#,
    ] {
        let event = WebhookEvent::from_slice(body).unwrap();
        let json = serde_json::to_string(&event).unwrap();
        let again = WebhookEvent::from_json(&json).unwrap();
        assert_eq!(again, event, "{json}");
    }
}

#[test]
fn generic_deserialize_agrees_with_from_slice() {
    // E.g. a failed event's `payload` read as part of a larger document.
    for body in [
        TRANSACTION_CREATED,
        TRANSACTION_STATE_CHANGED,
        PAYOUT_LINK_STATE_CHANGED,
        PAYOUT_LINK_CREATED,
    ] {
        let fast = WebhookEvent::from_slice(body).unwrap();
        let value: serde_json::Value = serde_json::from_slice(body).unwrap();
        let generic: WebhookEvent = serde_json::from_value(value).unwrap();
        assert_eq!(generic, fast);
    }
    let wrapped = format!(
        r#"{{"payload":{}}}"#,
        std::str::from_utf8(TRANSACTION_STATE_CHANGED).unwrap()
    );
    #[derive(serde::Deserialize)]
    struct Failed {
        payload: WebhookEvent,
    }
    let failed: Failed = serde_json::from_str(&wrapped).unwrap();
    assert_eq!(failed.payload.event, EventType::TransactionStateChanged);
    let unknown: WebhookEvent = serde_json::from_str(
        r#"{"event":"CardCreated","timestamp":"2026-01-01T00:00:00Z","data":{"id":"c1"}}"#,
    )
    .unwrap();
    assert!(matches!(&unknown.data, EventData::Unknown(raw) if raw.get() == r#"{"id":"c1"}"#));
    let bad: Result<WebhookEvent, _> = serde_json::from_str(
        r#"{"event":"TransactionStateChanged","timestamp":"2026-01-01T00:00:00Z","data":{}}"#,
    );
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("TransactionStateChanged")
    );
}

#[test]
fn huge_and_deep_inputs_do_not_panic() {
    let deep = format!(
        r#"{{"event":"X","timestamp":"2026-01-01T00:00:00Z","data":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    // Kept raw for an unknown type: skipping JSON does not recurse.
    assert!(matches!(
        WebhookEvent::from_json(&deep).map(|e| e.data),
        Ok(EventData::Unknown(_))
    ));
    // Deep nesting in an ignored field of a known type, and through the generic
    // `Deserialize` (which hits serde_json's recursion limit): no stack overflow.
    let deep_field = format!(
        r#"{{"event":"TransactionStateChanged","timestamp":"2026-01-01T00:00:00Z","data":{{"id":"x","old_state":"a","new_state":"b","junk":{}{}}}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(WebhookEvent::from_json(&deep_field).is_ok());
    assert!(serde_json::from_str::<WebhookEvent>(&deep_field).is_err());
    let big = format!(
        r#"{{"event":"CardCreated","timestamp":"2026-01-01T00:00:00Z","data":"{}"}}"#,
        "a".repeat(10 * 1024 * 1024)
    );
    assert!(WebhookEvent::from_json(&big).is_ok());
}
