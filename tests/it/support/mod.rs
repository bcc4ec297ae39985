// Helpers shared by the emulator tests: a scripted webhook receiver and raw HTTP.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};

/// What the receiver does with the next delivery.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reply {
    /// Answer with this status.
    Status(u16),
    /// Say nothing for this long, then close (longer than the emulator's delivery timeout).
    Silence(Duration),
    /// Answer with this status, but only after this long: a receiver that did its
    /// work and answers late.
    Late(Duration, u16),
}

/// One delivery as received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

/// A webhook receiver on 127.0.0.1 that records every request and answers as scripted
/// (then with `default` once the script is used up).
pub(crate) struct Receiver {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    default: Arc<Mutex<Reply>>,
}

impl Receiver {
    pub(crate) fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let receiver = Receiver {
            port,
            received: Arc::default(),
            script: Arc::default(),
            default: Arc::new(Mutex::new(Reply::Status(200))),
        };
        let (received, script, default) = (
            receiver.received.clone(),
            receiver.script.clone(),
            receiver.default.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (received, script, default) =
                    (received.clone(), script.clone(), default.clone());
                std::thread::spawn(move || serve(stream, &received, &script, &default));
            }
        });
        receiver
    }

    /// The URL to register: https, as the client requires; the emulator delivers to
    /// loopback over plain http when `allow_loopback_http` is on.
    pub(crate) fn url(&self) -> String {
        format!("https://127.0.0.1:{}/hooks/revolut", self.port)
    }

    pub(crate) fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/revolut", self.port)
    }

    pub(crate) fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.script.lock().unwrap().extend(replies);
    }

    pub(crate) fn always(&self, reply: Reply) {
        *self.default.lock().unwrap() = reply;
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn serve(
    mut stream: TcpStream,
    received: &Mutex<Vec<Received>>,
    script: &Mutex<VecDeque<Reply>>,
    default: &Mutex<Reply>,
) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (method, path) = (
        first.next().unwrap_or("").to_owned(),
        first.next().unwrap_or("").to_owned(),
    );
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + 4 + length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buf[head_end + 4..head_end + 4 + length].to_vec();
    received.lock().unwrap().push(Received {
        method,
        path,
        headers,
        body,
    });
    let reply = script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(*default.lock().unwrap());
    match reply {
        Reply::Status(status) => {
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
        Reply::Silence(d) => std::thread::sleep(d),
        Reply::Late(d, status) => {
            std::thread::sleep(d);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    }
}

/// `v1=<hex>` for `secret` over `v1.{ts}.{body}`: the documented algorithm,
/// written independently of the crate.
pub(crate) fn expected_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v1.{timestamp}.").as_bytes());
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v1={hex}")
}

/// A raw request to the emulator, for what the client refuses to send.
pub(crate) struct Raw {
    pub status: u16,
    pub body: serde_json::Value,
    pub text: String,
}

pub(crate) fn raw(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, &str)>,
) -> Raw {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("{base}{path}");
    let auth = token.map(|t| format!("Bearer {t}"));
    let response = match (method, body) {
        ("GET" | "DELETE", _) => {
            let mut req = if method == "GET" {
                agent.get(&url)
            } else {
                agent.delete(&url)
            };
            if let Some(a) = &auth {
                req = req.header("authorization", a);
            }
            req.call()
        }
        (_, body) => {
            let mut req = match method {
                "POST" => agent.post(&url),
                "PATCH" => agent.patch(&url),
                "PUT" => agent.put(&url),
                other => panic!("{other}"),
            };
            if let Some(a) = &auth {
                req = req.header("authorization", a);
            }
            match body {
                Some((content_type, bytes)) => req
                    .header("content-type", content_type)
                    .send(bytes.as_bytes()),
                None => req.send_empty(),
            }
        }
    };
    let mut response = response.unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Raw { status, body, text }
}
