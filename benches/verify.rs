//! `Verifier::verify` against a bare HMAC-SHA256 of the same bytes, in the same run.
//!
//! Run with `cargo bench --bench verify --no-default-features`. It prints ratios
//! (throughput of ours / throughput of the baseline; 1.00 means as fast, 0.83 means the
//! verifier costs 1.2× the baseline) and never asserts absolute times: the numbers depend
//! on the machine, the ratios much less.
//!
//! Method: every round times the two sides back to back, in alternating order, over the
//! same number of iterations (sized to about 2 ms per side), after a warm-up. Two ratios
//! are printed: the median of the per-round ratios, and the ratio of the fastest rounds
//! (the least disturbed by other processes on a busy machine).

use std::hint::black_box;
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use revolut_webhooks::SigningSecret;
use revolut_webhooks::signature::{Verifier, sign_delivery, sign_delivery_all, timestamp_ms};
use sha2::Sha256;
use time::OffsetDateTime;

const ROUNDS: usize = 101;
const TARGET: Duration = Duration::from_millis(2);

/// What a receiver without a precomputed key does: key setup, then one HMAC of
/// `v1.{timestamp}.{body}`, then hex-encode and compare with the header value.
fn bare_hmac(secret: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn time_it(iterations: u64, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed()
}

fn iterations_for(mut f: impl FnMut()) -> u64 {
    let mut n = 1;
    loop {
        if time_it(n, &mut f) >= TARGET / 4 {
            return n * 4;
        }
        n *= 2;
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

struct Comparison {
    /// Median over rounds of baseline time / our time.
    median_ratio: f64,
    /// Fastest baseline round / fastest round of ours.
    best_ratio: f64,
    /// Median ns per operation.
    ours_ns: f64,
    base_ns: f64,
}

fn compare(mut ours: impl FnMut(), mut baseline: impl FnMut()) -> Comparison {
    let n = iterations_for(&mut ours).max(iterations_for(&mut baseline));
    // Warm-up.
    time_it(n, &mut ours);
    time_it(n, &mut baseline);
    let (mut ratios, mut ours_ns, mut base_ns) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (o, b) = if round % 2 == 0 {
            let o = time_it(n, &mut ours);
            (o, time_it(n, &mut baseline))
        } else {
            let b = time_it(n, &mut baseline);
            (time_it(n, &mut ours), b)
        };
        ratios.push(b.as_secs_f64() / o.as_secs_f64());
        ours_ns.push(o.as_nanos() as f64 / n as f64);
        base_ns.push(b.as_nanos() as f64 / n as f64);
    }
    let min = |xs: &[f64]| xs.iter().copied().fold(f64::INFINITY, f64::min);
    Comparison {
        median_ratio: median(ratios),
        best_ratio: min(&base_ns) / min(&ours_ns),
        ours_ns: median(ours_ns),
        base_ns: median(base_ns),
    }
}

fn body(len: usize) -> Vec<u8> {
    // JSON-looking bytes of the requested length.
    let mut b = br#"{"event":"TransactionCreated","timestamp":"2023-01-26T16:22:21.753463Z","data":{"reference":""#.to_vec();
    while b.len() < len - 3 {
        b.push(b'a' + (b.len() % 26) as u8);
    }
    b.extend_from_slice(br#""}}"#);
    b.truncate(len);
    b
}

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test --benches` (no flag) only check
    // that the code agrees with itself, quickly.
    if !std::env::args().any(|a| a == "--bench") {
        let secret = SigningSecret::from("wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8");
        let ts = timestamp_ms(OffsetDateTime::now_utc());
        let body = body(1024);
        Verifier::new(secret.clone())
            .unwrap()
            .verify(&body, &ts.to_string(), &sign_delivery(&secret, ts, &body))
            .unwrap();
        println!("verify bench: smoke test ok (run `cargo bench --bench verify` to measure)");
        return;
    }
    let secrets = [
        SigningSecret::from("wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8"),
        SigningSecret::from("wsk_previousSecret0000000000000000"),
        SigningSecret::from("wsk_olderSecret0000000000000000000"),
    ];
    let ts = timestamp_ms(OffsetDateTime::now_utc());
    let ts_text = ts.to_string();

    println!(
        "Verifier::verify vs bare HMAC-SHA256 of the same bytes (ratio = our throughput / baseline throughput)"
    );
    println!(
        "{:<44} {:>8} {:>8} {:>11} {:>11} {:>11}",
        "case", "median", "best", "ours ns/op", "base ns/op", "ours MiB/s"
    );
    for len in [1024usize, 64 * 1024] {
        let body = body(len);
        let mut message = format!("v1.{ts_text}.").into_bytes();
        message.extend_from_slice(&body);

        let one_sig = sign_delivery(&secrets[0], ts, &body);
        // Revolut sends one signature per active secret; the receiver holds the newest,
        // which Revolut puts anywhere in the list: put it last.
        let three_sigs = sign_delivery_all([&secrets[2], &secrets[1], &secrets[0]], ts, &body);
        let one_secret = Verifier::new(secrets[0].clone()).unwrap();
        // Worst case during a rotation: three secrets held, only the last one matches.
        let three_secrets = Verifier::from_secrets([
            SigningSecret::from("wsk_notSentA"),
            SigningSecret::from("wsk_notSentB"),
            secrets[0].clone(),
        ])
        .unwrap();
        let key = secrets[0].expose_secret().as_bytes();

        let cases: [(&str, &Verifier, &str, usize); 3] = [
            ("1 secret, 1 signature", &one_secret, &one_sig, 1),
            ("1 secret, 3 signatures", &one_secret, &three_sigs, 1),
            (
                "3 secrets, 3 signatures (last matches)",
                &three_secrets,
                &three_sigs,
                3,
            ),
        ];
        for (name, verifier, header, hmacs) in cases {
            verifier.verify(&body, &ts_text, header).unwrap();
            let c = compare(
                || {
                    black_box(
                        verifier
                            .verify(black_box(&body), black_box(&ts_text), black_box(header))
                            .unwrap(),
                    );
                },
                || {
                    black_box(bare_hmac(black_box(key), black_box(&message)));
                },
            );
            let mib_s = len as f64 / (c.ours_ns * 1e-9) / (1024.0 * 1024.0);
            println!(
                "{:<44} {:>8.3} {:>8.3} {:>11.0} {:>11.0} {:>11.0}",
                format!("{} KiB, {name}", len / 1024),
                c.median_ratio,
                c.best_ratio,
                c.ours_ns,
                c.base_ns,
                mib_s
            );
            if hmacs > 1 {
                println!(
                    "{:<44} {:>8.3} {:>8.3}   (per HMAC: {hmacs} are needed)",
                    "",
                    c.median_ratio * hmacs as f64,
                    c.best_ratio * hmacs as f64
                );
            }
        }
    }
}
