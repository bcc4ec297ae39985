//! First-time setup of Revolut Business API access, step by step.
//!
//! Before: in the Business app (Settings → APIs → Business API), upload the public
//! certificate of your key (`openssl genrsa -out privatecert.pem 2048`, then
//! `openssl req -new -x509 -key privatecert.pem -out publiccert.cer -days 1825`), set
//! the OAuth redirect URI, and copy the client id.
//!
//! ```text
//! export REVOLUT_CLIENT_ID=...            # from the Business app
//! export REVOLUT_REDIRECT_URI=https://example.com/callback
//! export REVOLUT_PRIVATE_KEY=privatecert.pem   # needs --features jwt
//! #   or REVOLUT_CLIENT_ASSERTION=<a JWT you signed elsewhere>
//!
//! # Step 1: print the consent URL, open it, approve.
//! cargo run --features jwt --example auth_setup
//! # Step 2: exchange the `code` from the redirect (within about 2 minutes), and
//! # either print the tokens or save them to a file only you can read.
//! cargo run --features jwt --example auth_setup -- --code <code> --save tokens.json
//! ```
//!
//! Sandbox by default; pass `--production` for the real API. Nothing secret is
//! printed unless you pass `--show-tokens`.

use std::process::ExitCode;

use revolut_webhooks::auth::{ClientAssertion, ConsentUrl, TokenSet};
use revolut_webhooks::{Environment, blocking};

struct Args {
    code: Option<String>,
    show_tokens: bool,
    save: Option<String>,
    production: bool,
    scope: String,
}

const USAGE: &str = "\
usage: auth_setup [--production] [--scope READ,WRITE] [--code CODE (--show-tokens | --save FILE)]

needs, in the environment:
  REVOLUT_CLIENT_ID         the client id shown in the Business app (Settings → APIs → Business API)
  REVOLUT_REDIRECT_URI      the OAuth redirect URI set there, e.g. https://example.com/callback
and one of:
  REVOLUT_PRIVATE_KEY       path of the PEM private key whose certificate you uploaded (build with --features jwt)
  REVOLUT_CLIENT_ASSERTION  a client-assertion JWT you signed elsewhere";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        code: None,
        show_tokens: false,
        save: None,
        production: false,
        scope: "READ,WRITE".to_owned(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--code" => args.code = Some(it.next().ok_or("--code needs a value")?),
            "--save" => args.save = Some(it.next().ok_or("--save needs a file name")?),
            "--scope" => args.scope = it.next().ok_or("--scope needs a value")?,
            "--show-tokens" => args.show_tokens = true,
            "--production" => args.production = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn assertion(client_id: &str, redirect_uri: &str) -> Result<ClientAssertion, String> {
    if let Some(jwt) = var("REVOLUT_CLIENT_ASSERTION") {
        return Ok(ClientAssertion::presigned(jwt));
    }
    match var("REVOLUT_PRIVATE_KEY") {
        #[cfg(feature = "jwt")]
        Some(path) => ClientAssertion::rs256_pem_file(path, client_id, redirect_uri)
            .map_err(|e| e.to_string()),
        #[cfg(not(feature = "jwt"))]
        Some(_) => {
            let _ = (client_id, redirect_uri);
            Err("REVOLUT_PRIVATE_KEY is set, but signing here needs the `jwt` feature: \
                 cargo run --features jwt --example auth_setup"
                .to_owned())
        }
        None => Err(
            "set REVOLUT_PRIVATE_KEY (a PEM file, with --features jwt) or REVOLUT_CLIENT_ASSERTION (a signed JWT)"
                .to_owned(),
        ),
    }
}

fn save(path: &str, tokens: &TokenSet) -> std::io::Result<()> {
    use std::io::Write;
    let json = serde_json::json!({
        "access_token": tokens.access_token.expose_secret(),
        "refresh_token": tokens.refresh_token.expose_secret(),
        "expires_at": tokens.expires_at.unix_timestamp(),
    });
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    writeln!(file, "{json:#}")
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (Some(client_id), Some(redirect_uri)) =
        (var("REVOLUT_CLIENT_ID"), var("REVOLUT_REDIRECT_URI"))
    else {
        println!("Nothing to do yet: the first-time setup needs your app's details.\n\n{USAGE}");
        return ExitCode::SUCCESS;
    };
    let environment = if args.production {
        Environment::Production
    } else {
        Environment::Sandbox
    };

    let Some(code) = args.code else {
        let url = ConsentUrl::new(&environment, &client_id, &redirect_uri).with_scope(&args.scope);
        println!(
            "Step 1 of 2 ({environment}): open this URL, sign in and approve the app:\n\n  {url}\n"
        );
        println!(
            "You are then sent to {redirect_uri}?code=... Within about 2 minutes, run:\n\n  \
             cargo run --features jwt --example auth_setup -- {}--code <code> --save tokens.json\n\n\
             (or --show-tokens instead of --save to print them).",
            if args.production { "--production " } else { "" }
        );
        return ExitCode::SUCCESS;
    };
    if !args.show_tokens && args.save.is_none() {
        // The code works once: exchanging it without keeping the tokens would waste it.
        eprintln!("Add --save FILE or --show-tokens: the code can be exchanged only once.");
        return ExitCode::from(2);
    }
    let assertion = match assertion(&client_id, &redirect_uri) {
        Ok(assertion) => assertion,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };

    println!("Step 2 of 2 ({environment}): exchanging the authorization code...");
    let tokens = match blocking::exchange_authorization_code(&environment, &code, &assertion) {
        Ok(tokens) => tokens,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    println!("Done: the access token expires at {}.", tokens.expires_at);
    if let Some(path) = &args.save {
        if let Err(e) = save(path, &tokens) {
            eprintln!("could not write {path}: {e}");
            return ExitCode::FAILURE;
        }
        println!("Saved the token set to {path} (readable by you only). Keep it secret.");
    }
    if args.show_tokens {
        println!("access_token:  {}", tokens.access_token.expose_secret());
        println!("refresh_token: {}", tokens.refresh_token.expose_secret());
    }
    println!(
        "\nFrom now on, build a RefreshingTokenProvider from the refresh token and the same \
         client assertion: it renews the access token by itself."
    );
    ExitCode::SUCCESS
}
