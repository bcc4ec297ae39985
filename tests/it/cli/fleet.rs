//! `--shared-state` and `sandbox`, run as a child process against a fake API.

use std::process::{Command, Stdio};

use crate::faults::server::{Reply, Server};

const BIN: &str = env!("CARGO_BIN_EXE_revolut-webhooks");
const TOKEN: &str = "oa_sand_cli-access-secret";
const ANSWER: &str = r#"{"id":"330953b8-b089-4cfd-9f03-e88173d64248","state":"completed","created_at":"2023-01-23T08:39:35.811005Z"}"#;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(environment: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(BIN);
    for var in [
        "REVOLUT_ACCESS_TOKEN",
        "REVOLUT_REFRESH_TOKEN",
        "REVOLUT_CLIENT_ASSERTION",
        "REVOLUT_PRIVATE_KEY",
        "REVOLUT_SHARED_STATE",
    ] {
        command.env_remove(var);
    }
    let out = command
        .env("REVOLUT_ENVIRONMENT", environment)
        .env("REVOLUT_ACCESS_TOKEN", TOKEN)
        .envs(env.iter().copied())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(!format!("{}{}", run.stdout, run.stderr).contains(TOKEN));
    run
}

#[test]
fn sandbox_commands_drive_the_simulations_and_refuse_production() {
    let server = Server::with_default(Reply::json(ANSWER));
    let url = server.url();
    let topup = run(
        &url,
        &[
            "sandbox",
            "topup",
            "--account",
            "e042f1fe-f721-49cc-af82-db7a6c46944f",
            "--amount",
            "25.5",
            "--currency",
            "GBP",
            "--state",
            "pending",
        ],
        &[],
    );
    assert_eq!(topup.code, 0, "{}", topup.stderr);
    assert_eq!(
        topup.stdout.trim(),
        "330953b8-b089-4cfd-9f03-e88173d64248 completed"
    );
    for action in ["complete", "revert", "decline", "fail"] {
        let done = run(
            &url,
            &[
                "-o",
                "json",
                "sandbox",
                action,
                "330953b8-b089-4cfd-9f03-e88173d64248",
            ],
            &[],
        );
        assert_eq!(done.code, 0, "{}", done.stderr);
        let value: serde_json::Value = serde_json::from_str(done.stdout.trim()).unwrap();
        assert_eq!(value["state"], "completed");
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    assert_eq!(requests[0].path, "/api/1.0/sandbox/topup");
    assert!(requests[0].body_str().contains(r#""state":"pending""#));
    assert_eq!(
        requests[4].path,
        "/api/1.0/sandbox/transactions/330953b8-b089-4cfd-9f03-e88173d64248/fail"
    );

    let production = run(
        "production",
        &[
            "sandbox",
            "complete",
            "330953b8-b089-4cfd-9f03-e88173d64248",
        ],
        &[],
    );
    assert_eq!(production.code, 2);
    assert!(
        production.stderr.contains("only in the sandbox"),
        "{}",
        production.stderr
    );
    let bad = run(
        &url,
        &[
            "sandbox",
            "topup",
            "--account",
            "e042f1fe-f721-49cc-af82-db7a6c46944f",
            "--amount",
            "20000",
            "--currency",
            "GBP",
        ],
        &[],
    );
    assert_eq!(bad.code, 2);
    assert_eq!(server.requests().len(), 5);
}

#[test]
fn shared_state_flag_and_variable_use_the_store_and_refuse_an_unsafe_one() {
    let server = Server::with_default(Reply::json("[]"));
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-shared-state");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("state.json");
    let store = store.to_str().unwrap();
    let listed = run(&server.url(), &["list", "--shared-state", store], &[]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    // The request took a slot of the shared budget.
    assert!(
        std::fs::read_to_string(format!("{store}.slots"))
            .unwrap()
            .contains("holds_until_ms")
    );
    let listed = run(&server.url(), &["list"], &[("REVOLUT_SHARED_STATE", store)]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let slots = format!("{store}.slots");
        std::fs::set_permissions(&slots, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = run(&server.url(), &["list", "--shared-state", store], &[]);
        assert_eq!(refused.code, 3, "{}", refused.stderr);
        assert!(refused.stderr.contains("chmod 600"), "{}", refused.stderr);
    }
    assert_eq!(server.requests().len(), 2);
}

#[cfg(feature = "postgres")]
#[test]
fn shared_state_takes_a_postgres_url() {
    let server = Server::with_default(Reply::json("[]"));
    let url = crate::pg_cluster::database();
    let listed = run(&server.url(), &["list", "--shared-state", &url], &[]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_eq!(server.requests().len(), 1);
}
