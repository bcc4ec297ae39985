//! What the raw-HTTP tests of the emulator share: an emulator with its token, and
//! requests written by hand (the client refuses to send most of what they test).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub(super) use crate::support::Raw;
use crate::support::raw;
use revolut_webhooks::emulator::Emulator;

pub(super) const JSON: &str = "application/json";
pub(super) const FORM: &str = "application/x-www-form-urlencoded";
pub(super) const JWT_BEARER: &str =
    "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";

pub(super) struct Api {
    pub emu: Emulator,
    pub token: String,
}

impl Api {
    pub(super) fn new() -> Api {
        Api::with(Emulator::builder())
    }

    pub(super) fn with(builder: revolut_webhooks::emulator::EmulatorBuilder) -> Api {
        let emu = builder.start().unwrap();
        let token = emu.access_token().expose_secret().to_owned();
        Api { emu, token }
    }

    pub(super) fn call(&self, method: &str, path: &str, body: Option<&str>) -> Raw {
        raw(
            self.emu.base_url(),
            method,
            &format!("/api/2.0{path}"),
            Some(&self.token),
            body.map(|b| (JSON, b)),
        )
    }

    pub(super) fn emu_webhook_count(&self) -> usize {
        let r = self.call("GET", "/webhooks", None);
        r.body.as_array().map_or(usize::MAX, Vec::len)
    }

    pub(super) fn create(&self, body: &str) -> Raw {
        self.call("POST", "/webhooks", Some(body))
    }

    pub(super) fn token(&self, form: &str) -> Raw {
        raw(
            self.emu.base_url(),
            "POST",
            "/api/1.0/auth/token",
            None,
            Some((FORM, form)),
        )
    }
}

pub(super) fn assert_error(r: &Raw, status: u16, code: i64, message: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.body["code"], code, "{}", r.text);
    assert_eq!(r.body["message"], message, "{}", r.text);
}

pub(super) fn code_grant(code: &str) -> String {
    format!(
        "grant_type=authorization_code&code={code}&client_id=client-1&client_assertion_type={JWT_BEARER}&client_assertion=eyJhbGciOiJSUzI1NiJ9.e30.sig"
    )
}

pub(super) fn exchange(emu: &Emulator, raw_request: &[u8]) -> String {
    let mut s = TcpStream::connect(emu.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // The server may refuse (and close) before reading everything: that is the point.
    let _ = s.write_all(raw_request);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// Status and JSON body of a raw answer.
pub(super) fn parse(answer: &str) -> Raw {
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let text = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_owned();
    Raw {
        status,
        body: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        text,
    }
}

/// A POST of `rest` (headers, blank line, body) to create a webhook.
pub(super) fn post_raw(api: &Api, rest: &str) -> Raw {
    let request = format!(
        "POST /api/2.0/webhooks HTTP/1.1\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nConnection: close\r\n{rest}",
        api.token
    );
    parse(&exchange(&api.emu, request.as_bytes()))
}
