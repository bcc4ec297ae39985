//! The token endpoint (`POST /api/1.0/auth/token`), sans-IO: its requests and answers.

use std::fmt;

use serde::Deserialize;
use time::OffsetDateTime;

use super::{AccessToken, RefreshToken, SignedAssertion, TokenSet};
use crate::encoding::percent_encode_into;
use crate::error::{AuthError, AuthErrorKind, scrub};
use crate::http_types::{Method, Repeat};
use crate::request::{HttpRequest, HttpResponse, RequestBody};

/// The token endpoint's path on the API host.
pub(crate) const TOKEN_PATH: &str = "/api/1.0/auth/token";

/// A refresh is safe to repeat: the same refresh token sent twice gets two access
/// tokens and stays valid.
const REFRESH_REPEAT: Repeat = Repeat::Safe;

/// A code works once: a repeat after an unknown outcome would only be refused.
const CODE_REPEAT: Repeat = Repeat::Unsafe {
    on_unknown: "the authorization code may have been used: open the consent URL again and \
                 exchange the new code",
};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

const FORM: &str = "application/x-www-form-urlencoded";

const SETUP_HINT: &str = "run the first-time setup again (open the consent URL, approve, and \
     exchange the new authorization code; see examples/auth_setup.rs) to get a new refresh token";

/// Which grant a [`TokenCall`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Grant {
    /// `grant_type=refresh_token`: a new access token from the refresh token.
    RefreshToken,
    /// `grant_type=authorization_code`: the first token set, from the consent's code.
    AuthorizationCode,
}

/// One call to the token endpoint: the request to send (no bearer header) and how to
/// read its answer.
///
/// `Debug` shows the grant and the body's size, never the body.
pub struct TokenCall {
    request: HttpRequest,
    grant: Grant,
    repeat: Repeat,
    refresh_token: Option<RefreshToken>,
    /// What the request carries that must never come back out in an error message.
    secrets: Vec<String>,
}

impl fmt::Debug for TokenCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCall")
            .field("grant", &self.grant)
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

/// The refresh request: `grant_type=refresh_token&refresh_token=…&client_assertion_type=…&client_assertion=…`,
/// form-encoded, to `POST /api/1.0/auth/token`.
///
/// ```
/// use revolut_webhooks::auth::{refresh_token_request, ClientAssertion, RefreshToken};
/// use revolut_webhooks::Environment;
///
/// let assertion = ClientAssertion::presigned("header.claims.signature")
///     .assertion(time::OffsetDateTime::now_utc())?;
/// let call = refresh_token_request(&RefreshToken::new("oa_sand_rt"), &assertion);
/// let request = call.request();
/// assert_eq!(request.url(&Environment::Sandbox), "https://sandbox-b2b.revolut.com/api/1.0/auth/token");
/// let body = request.body.as_ref().unwrap();
/// assert_eq!(body.content_type, "application/x-www-form-urlencoded");
/// assert_eq!(
///     std::str::from_utf8(&body.bytes).unwrap(),
///     "grant_type=refresh_token&refresh_token=oa_sand_rt\
///      &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
///      &client_assertion=header.claims.signature"
/// );
/// # Ok::<(), revolut_webhooks::AuthError>(())
/// ```
pub fn refresh_token_request(
    refresh_token: &RefreshToken,
    assertion: &SignedAssertion,
) -> TokenCall {
    let body = form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose_secret()),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion.expose_secret()),
    ]);
    TokenCall {
        request: token_request(body),
        grant: Grant::RefreshToken,
        repeat: REFRESH_REPEAT,
        refresh_token: Some(refresh_token.clone()),
        secrets: vec![
            refresh_token.expose_secret().to_owned(),
            assertion.expose_secret().to_owned(),
        ],
    }
}

/// The code exchange: `grant_type=authorization_code&code=…&client_assertion_type=…&client_assertion=…`,
/// form-encoded, to `POST /api/1.0/auth/token`. Its answer carries the refresh token.
///
/// The code comes back on the redirect URI after consent (see [`ConsentUrl`](super::ConsentUrl)); it
/// can be used once, within about 2 minutes.
pub fn authorization_code_request(code: &str, assertion: &SignedAssertion) -> TokenCall {
    let code = code.trim();
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion.expose_secret()),
    ]);
    TokenCall {
        request: token_request(body),
        grant: Grant::AuthorizationCode,
        repeat: CODE_REPEAT,
        refresh_token: None,
        secrets: vec![code.to_owned(), assertion.expose_secret().to_owned()],
    }
}

fn token_request(body: Vec<u8>) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        path: TOKEN_PATH.to_owned(),
        query: Vec::new(),
        body: Some(RequestBody {
            content_type: FORM,
            bytes: body,
        }),
    }
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode_into(key, &mut out);
        out.push('=');
        percent_encode_into(value, &mut out);
    }
    out.into_bytes()
}

/// The longest `expires_in` believed from the token endpoint.
const MAX_EXPIRES_IN: time::Duration = time::Duration::DAY;

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    expires_in: serde_json::Value,
    #[serde(default)]
    refresh_token: Option<String>,
}

impl TokenCall {
    /// The request to send, without an `Authorization` header.
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    /// The grant this call asks for.
    pub fn grant(&self) -> Grant {
        self.grant
    }

    /// Whether the call may be sent again when its outcome is unknown: a refresh
    /// may, a code exchange may not.
    pub fn repeat(&self) -> Repeat {
        self.repeat
    }

    /// Reads the answer: the token set on a 2xx (expiry counted from `now`), a typed
    /// [`AuthError`] with the server's status, code, message and advice otherwise.
    ///
    /// A refresh answer without a `refresh_token` keeps the refresh token that was sent.
    pub fn parse(
        &self,
        response: &HttpResponse,
        now: OffsetDateTime,
    ) -> Result<TokenSet, AuthError> {
        if !(200..300).contains(&response.status) {
            return Err(self.error(response, now));
        }
        let invalid = |what: String| {
            AuthError::with_kind(
                AuthErrorKind::InvalidResponse,
                format!(
                    "the token endpoint answered HTTP {} with {what}; check that the environment \
                     points at Revolut's API host",
                    response.status
                ),
            )
        };
        // serde's messages may quote the body, which holds tokens: only say where it broke.
        let body: TokenResponse = serde_json::from_slice(&response.body).map_err(|e| {
            invalid(format!(
                "a body that is not a token response ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        if body.access_token.is_empty() {
            return Err(invalid("an empty access_token".into()));
        }
        if let Some(kind) = &body.token_type
            && !kind.eq_ignore_ascii_case("bearer")
        {
            // Not quoted: a body this wrong might hold anything.
            return Err(invalid(format!(
                "a token_type of {} characters that is not \"bearer\"",
                kind.chars().count()
            )));
        }
        let expires_in = match &body.expires_in {
            // A number too large for i64 is still a positive lifetime: it is capped below.
            serde_json::Value::Number(n) => n.as_i64().or(n.as_u64().map(|_| i64::MAX)),
            serde_json::Value::String(s) => s
                .trim()
                .parse::<i128>()
                .ok()
                .map(|n| n.clamp(0, i64::MAX.into()) as i64),
            _ => None,
        }
        .filter(|s| *s > 0)
        .ok_or_else(|| invalid("no positive expires_in".into()))?;
        // Revolut's tokens live 40 minutes. Believing a longer claim only makes the
        // provider refresh later, and a 401 "token expired" refreshes at once anyway;
        // the cap keeps the arithmetic below from overflowing.
        let expires_in = time::Duration::seconds(expires_in).min(MAX_EXPIRES_IN);
        let refresh_token = match (body.refresh_token, &self.refresh_token) {
            (Some(new), _) if !new.is_empty() => RefreshToken::new(new),
            (_, Some(sent)) => sent.clone(),
            _ => {
                return Err(invalid(
                    "no refresh_token in the answer to the authorization code".into(),
                ));
            }
        };
        Ok(TokenSet::new(
            AccessToken::new(body.access_token),
            refresh_token,
            // A clock at the end of time gets the latest expiry there is.
            now.checked_add(expires_in)
                .unwrap_or(time::PrimitiveDateTime::MAX.assume_utc()),
        ))
    }

    fn error(&self, response: &HttpResponse, now: OffsetDateTime) -> AuthError {
        let status = response.status;
        let (mut code, mut server_message) = (None, None);
        if let Ok(serde_json::Value::Object(body)) =
            serde_json::from_slice::<serde_json::Value>(&response.body)
        {
            code = ["error", "code"]
                .iter()
                .find_map(|k| body.get(*k).and_then(text));
            server_message = ["error_description", "message"]
                .iter()
                .find_map(|k| body.get(*k).and_then(text));
        }
        let code = code.map(|c| self.scrub(c));
        let server_message = server_message.map(|m| self.scrub(m));
        let lower = format!(
            "{} {}",
            code.as_deref().unwrap_or(""),
            server_message.as_deref().unwrap_or("")
        )
        .to_ascii_lowercase();
        let mentions = |words: &[&str]| words.iter().any(|w| lower.contains(w));

        let (kind, message) = if status == 429 || status >= 500 {
            (
                AuthErrorKind::Unavailable,
                "the token endpoint is unavailable or rate limited; the next request will try again"
                    .to_owned(),
            )
        } else if mentions(&[
            "assertion",
            "jwt",
            "signature",
            "invalid_client",
            "unauthorized_client",
            "certificate",
        ]) {
            (
                AuthErrorKind::InvalidAssertion,
                "the client assertion was refused: check that it is signed (RS256) with the private key \
                 whose certificate is uploaded in the Business app, that iss is the redirect URI's domain, \
                 sub the client id and aud https://revolut.com, that it has not expired, and that the \
                 environment (sandbox or production) is the app's"
                    .to_owned(),
            )
        } else if self.grant == Grant::AuthorizationCode
            && (mentions(&["invalid_grant", "code", "grant"]) || status == 400)
        {
            (
                AuthErrorKind::InvalidAuthorizationCode,
                "the authorization code was refused: a code can be used once, within about 2 minutes \
                 of consent; open the consent URL again and exchange the new code at once"
                    .to_owned(),
            )
        } else if self.grant == Grant::RefreshToken
            && (mentions(&["invalid_grant", "refresh", "grant", "revoked", "expired"])
                || status == 400)
        {
            (
                AuthErrorKind::InvalidRefreshToken,
                format!(
                    "the refresh token was refused: it is invalid, or was revoked (the app's access \
                     removed or its certificate replaced in the Business app); {SETUP_HINT}"
                ),
            )
        } else {
            (
                AuthErrorKind::Rejected,
                "the token endpoint refused the request: check the client id, the private key and \
                 that the environment (sandbox or production) is the app's"
                    .to_owned(),
            )
        };
        let mut error = AuthError::with_kind(kind, message);
        error.status = Some(status);
        error.retry_after = response
            .retry_after
            .as_deref()
            .and_then(|v| crate::retry::parse_retry_after(v, now));
        error.code = code;
        error.server_message = server_message;
        error
    }

    /// Removes anything this call sent that the server might have echoed back
    /// (raw or form-encoded), and anything shaped like a credential.
    fn scrub(&self, text: String) -> String {
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        scrub(&text, &secrets).chars().take(300).collect()
    }
}

fn text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::ClientAssertion;
    use time::macros::datetime;

    fn now() -> OffsetDateTime {
        datetime!(2026-11-25 12:00 UTC)
    }

    fn assertion() -> SignedAssertion {
        ClientAssertion::presigned("aaa.bbb.ccc")
            .assertion(now())
            .unwrap()
    }

    fn refresh() -> TokenCall {
        refresh_token_request(&RefreshToken::new("rt-secret-1"), &assertion())
    }

    fn code() -> TokenCall {
        authorization_code_request(" code-secret ", &assertion())
    }

    #[test]
    fn code_exchange_body() {
        let call = code();
        assert_eq!(call.grant(), Grant::AuthorizationCode);
        assert_eq!(
            std::str::from_utf8(&call.request().body.as_ref().unwrap().bytes).unwrap(),
            "grant_type=authorization_code&code=code-secret&client_assertion_type=\
             urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=aaa.bbb.ccc"
        );
        assert!(!format!("{call:?}").contains("secret"));
    }

    #[test]
    fn parses_token_responses() {
        let ok = HttpResponse::new(
            200,
            br#"{"access_token":"at","token_type":"bearer","expires_in":2399}"#.to_vec(),
        );
        let set = refresh().parse(&ok, now()).unwrap();
        assert_eq!(set.access_token.expose_secret(), "at");
        assert_eq!(set.refresh_token.expose_secret(), "rt-secret-1");
        assert_eq!(set.expires_at, now() + time::Duration::seconds(2399));
        // The code grant must bring a refresh token.
        assert_eq!(
            code().parse(&ok, now()).unwrap_err().kind,
            AuthErrorKind::InvalidResponse
        );
        let with_rt = HttpResponse::new(
            200,
            br#"{"access_token":"at","token_type":"Bearer","expires_in":"60","refresh_token":"rt2"}"#
                .to_vec(),
        );
        let set = code().parse(&with_rt, now()).unwrap();
        assert_eq!(set.refresh_token.expose_secret(), "rt2");
        for bad in [
            &br#"{"access_token":"at-secret","token_type":"mac","expires_in":60}"#[..],
            br#"{"access_token":"at-secret","expires_in":0}"#,
            br#"{"access_token":"","expires_in":60}"#,
            br#"{"access_token":"at-secret"}"#,
            br#"{"access_token":["at-secret"],"expires_in":60}"#,
            b"<html>at-secret</html>",
        ] {
            let err = refresh()
                .parse(&HttpResponse::new(200, bad.to_vec()), now())
                .unwrap_err();
            assert_eq!(err.kind, AuthErrorKind::InvalidResponse);
            assert!(!format!("{err} {err:?}").contains("at-secret"), "{err}");
        }
    }

    #[test]
    fn maps_errors_with_advice() {
        let case = |call: TokenCall, status: u16, body: &str| {
            call.parse(&HttpResponse::new(status, body.as_bytes().to_vec()), now())
                .unwrap_err()
        };
        let e = case(
            refresh(),
            400,
            r#"{"error":"invalid_grant","error_description":"Refresh token rt-secret-1 is revoked"}"#,
        );
        assert_eq!(e.kind, AuthErrorKind::InvalidRefreshToken);
        assert_eq!(
            (e.status, e.code.as_deref()),
            (Some(400), Some("invalid_grant"))
        );
        assert_eq!(
            e.server_message.as_deref(),
            Some("Refresh token <redacted> is revoked")
        );
        let shown = e.to_string();
        assert!(
            shown.contains("HTTP 400") && shown.contains("first-time setup"),
            "{shown}"
        );
        assert!(!shown.contains("rt-secret-1"));

        let e = case(
            refresh(),
            401,
            r#"{"error":"unauthorized_client","error_description":"Invalid JWT: aaa.bbb.ccc"}"#,
        );
        assert_eq!(e.kind, AuthErrorKind::InvalidAssertion);
        assert!(!e.to_string().contains("aaa.bbb.ccc"));

        let e = case(
            refresh(),
            401,
            r#"{"code":9002,"message":"Invalid signature"}"#,
        );
        assert_eq!(e.kind, AuthErrorKind::InvalidAssertion);
        assert_eq!(e.code.as_deref(), Some("9002"));

        let e = case(code(), 400, r#"{"error":"invalid_grant"}"#);
        assert_eq!(e.kind, AuthErrorKind::InvalidAuthorizationCode);
        assert!(e.to_string().contains("2 minutes"));

        let e = case(refresh(), 503, "<html>down</html>");
        assert_eq!(e.kind, AuthErrorKind::Unavailable);
        assert!(e.is_transient());
        let e = case(refresh(), 429, "");
        assert_eq!(e.kind, AuthErrorKind::Unavailable);
        let e = case(refresh(), 403, r#"{"message":"Forbidden"}"#);
        assert_eq!(e.kind, AuthErrorKind::Rejected);
    }
}
