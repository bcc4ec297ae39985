//! Transactions: the data of `TransactionCreated` and `TransactionStateChanged` events,
//! with their legs, counterparties, merchant and card.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::open_enum::open_enum;

open_enum! {
    /// The state of a transaction (`TransactionState` in the API).
    pub enum TransactionState {
        /// Created; processed asynchronously or scheduled for later (`created`).
        Created = "created",
        /// Waiting to be processed (`pending`).
        Pending = "pending",
        /// Successful (`completed`).
        Completed = "completed",
        /// Unsuccessful, e.g. insufficient balance (`declined`).
        Declined = "declined",
        /// Unsuccessful, e.g. blocked payment (`failed`).
        Failed = "failed",
        /// Reverted, e.g. receiver inaccessible (`reverted`).
        Reverted = "reverted",
    }
}

open_enum! {
    /// The kind of a transaction (`TransactionType` in the API).
    pub enum TransactionType {
        /// `atm`
        Atm = "atm",
        /// `card_payment`
        CardPayment = "card_payment",
        /// `card_refund`
        CardRefund = "card_refund",
        /// `card_chargeback`
        CardChargeback = "card_chargeback",
        /// `card_credit`
        CardCredit = "card_credit",
        /// `charge`
        Charge = "charge",
        /// `charge_refund`
        ChargeRefund = "charge_refund",
        /// `exchange`
        Exchange = "exchange",
        /// `transfer`
        Transfer = "transfer",
        /// `loan`
        Loan = "loan",
        /// `fee`
        Fee = "fee",
        /// `refund`
        Refund = "refund",
        /// `topup`
        Topup = "topup",
        /// `topup_return`
        TopupReturn = "topup_return",
        /// `tax`
        Tax = "tax",
        /// `tax_refund`
        TaxRefund = "tax_refund",
        /// `rev_payment`
        RevPayment = "rev_payment",
    }
}

open_enum! {
    /// The kind of account on the other side of a transaction leg.
    pub enum CounterpartyAccountType {
        /// One of your own accounts (`self`).
        OwnAccount = "self",
        /// A Revolut account (`revolut`).
        Revolut = "revolut",
        /// An account at another bank (`external`).
        External = "external",
    }
}

/// A transaction, the data of a `TransactionCreated` event (the API's `Transaction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// The transaction's ID. A string: the spec does not promise a UUID.
    pub id: String,
    /// The kind of transaction (`type` on the wire).
    #[serde(rename = "type")]
    pub kind: TransactionType,
    /// The state of the transaction.
    pub state: TransactionState,
    /// The request ID you gave when creating it, if any (not necessarily a UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Why the transaction was declined or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was last updated.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When it completed.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub completed_at: Option<OffsetDateTime>,
    /// The date the payment is scheduled for, if any. A full date-time is accepted too
    /// (its date is kept).
    #[serde(
        default,
        with = "lenient_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_for: Option<Date>,
    /// The transaction this one relates to (e.g. the original of a refund).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_transaction_id: Option<Uuid>,
    /// The merchant, for card transactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant: Option<Merchant>,
    /// The payment reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The legs: one, or two for a transfer between your own accounts.
    pub legs: Vec<TransactionLeg>,
    /// The card, for card transactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
}

/// One leg of a [`Transaction`] (the API's `TransactionLeg`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionLeg {
    /// The leg's ID.
    pub leg_id: Uuid,
    /// The amount, negative for money going out (see the [module docs](super#amounts)).
    pub amount: f64,
    /// The fee, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<f64>,
    /// ISO 4217 currency code of `amount`, e.g. `GBP`.
    pub currency: String,
    /// The billed amount, for cross-currency payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_amount: Option<f64>,
    /// ISO 4217 currency code of `bill_amount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_currency: Option<String>,
    /// Your account this leg belongs to.
    pub account_id: Uuid,
    /// The other side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty: Option<Counterparty>,
    /// What the leg is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The account's balance after this leg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<f64>,
}

/// The other side of a [`TransactionLeg`] (the API's `TransactionCounterparty`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Counterparty {
    /// The kind of account.
    pub account_type: CounterpartyAccountType,
    /// The counterparty's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The counterparty's account ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Uuid>,
}

/// The merchant of a card transaction (the API's `TransactionMerchant`). All fields are
/// optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Merchant {
    /// The merchant's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The merchant's (cleaned) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The name as the card network gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// The merchant's city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The merchant category code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_code: Option<String>,
    /// ISO 3166 country code (2 or 3 letters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// The card of a card transaction (the API's `TransactionCard`). All fields are optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Card {
    /// The card's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The masked card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_number: Option<String>,
    /// The cardholder's first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The cardholder's last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The cardholder's phone number (E.164).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The card's references (name-value pairs) at the time of the transaction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<CardReference>,
}

/// A name-value pair recorded on a card transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardReference {
    /// The reference's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// The data of a `TransactionStateChanged` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionStateChanged {
    /// The transaction's ID.
    pub id: String,
    /// The request ID given when the transaction was created. Not necessarily a UUID (e.g.
    /// `app_charges-…`), and absent for transactions not created through the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The state before.
    pub old_state: TransactionState,
    /// The state now.
    pub new_state: TransactionState,
}

/// `Option<Date>` from `YYYY-MM-DD`, or from a date-time (its date part).
mod lenient_date {
    use serde::{Deserialize, Deserializer, Serializer, de};
    use time::format_description::well_known::{Iso8601, Rfc3339};
    use time::{Date, OffsetDateTime};

    pub(super) fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.serialize_str(&format!(
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            )),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        if let Ok(date) = Date::parse(&text, &Iso8601::DATE) {
            return Ok(Some(date));
        }
        OffsetDateTime::parse(&text, &Rfc3339)
            .map(|t| Some(t.date()))
            .map_err(|_| de::Error::custom(format_args!("expected a date, got {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_enums_round_trip() {
        for (s, v) in [
            ("self", CounterpartyAccountType::OwnAccount),
            ("external", CounterpartyAccountType::External),
            ("space", CounterpartyAccountType::Unknown("space".into())),
        ] {
            let parsed: CounterpartyAccountType =
                serde_json::from_str(&format!("\"{s}\"")).unwrap();
            assert_eq!(parsed, v);
            assert_eq!(serde_json::to_string(&parsed).unwrap(), format!("\"{s}\""));
            assert_eq!(parsed.to_string(), s);
        }
        assert!(TransactionType::from("crypto").is_unknown());
        assert_eq!(
            "rev_payment".parse::<TransactionType>().unwrap(),
            TransactionType::RevPayment
        );
    }

    #[test]
    fn open_enum_non_string_error_names_the_type() {
        let error = serde_json::from_str::<TransactionState>("3").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expected a TransactionState string"),
            "{error}"
        );
    }

    #[test]
    fn lenient_date_reads_date_and_date_time() {
        #[derive(Deserialize, Serialize)]
        struct T {
            #[serde(default, with = "lenient_date")]
            d: Option<Date>,
        }
        let a: T = serde_json::from_str(r#"{"d":"2026-03-04"}"#).unwrap();
        let b: T = serde_json::from_str(r#"{"d":"2026-03-04T10:00:00Z"}"#).unwrap();
        assert_eq!(a.d, b.d);
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"d":"2026-03-04"}"#);
        assert!(serde_json::from_str::<T>(r#"{"d":"tomorrow"}"#).is_err());
        assert_eq!(serde_json::from_str::<T>("{}").unwrap().d, None);
    }
}
