//! Browser sign-in: at an organization's identity provider (OIDC, the authorization code flow
//! with PKCE: `/auth/oidc/start` sends the browser to the provider, `/auth/oidc/callback`
//! finishes), or by e-mail alone in development (`--demo` or `dev_login = true`). Signing out
//! ends the session and, for a session begun at a provider that supports it, answers where to
//! end the provider's session too.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::error_response;
use crate::AppState;
use crate::auth::{Credentials, session};
use crate::secrets::SecretValue;
use crate::services::{accounts, identity, setup, users, validate};

/// The cookie that binds a sign-in at a provider to the browser that started it. `Lax`, not
/// `Strict`: the provider's redirect back is a cross-site navigation, and a `Strict` cookie
/// would not come with it.
const SIGN_IN_COOKIE: &str = "praetor_oidc";

#[derive(Deserialize)]
pub struct DevLogin {
    email: String,
}

/// What the sign-in page may offer.
pub async fn config(State(app): State<Arc<AppState>>) -> Response {
    let demo_users: Vec<_> = if app.config.demo {
        setup::DEMO_USERS
            .iter()
            .map(|(email, role, about)| json!({"email": email, "role": role, "about": about}))
            .collect()
    } else {
        Vec::new()
    };
    Json(json!({"devLogin": app.config.dev_login_enabled(), "demo": app.config.demo, "demoUsers": demo_users, "passwordLogin": true}))
        .into_response()
}

pub async fn dev_login(State(app): State<Arc<AppState>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if !app.config.dev_login_enabled() {
        return error_response(StatusCode::NOT_FOUND, "NOT_FOUND", "dev login is disabled");
    }
    if !super::json_only(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "VALIDATION",
            "send `Content-Type: application/json`",
        );
    }
    let Ok(input) = serde_json::from_slice::<DevLogin>(&body) else {
        return error_response(StatusCode::BAD_REQUEST, "VALIDATION", "expected {\"email\": \"…\"}");
    };
    let email = match validate::email("email", &input.email) {
        Ok(e) => e,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, e.code(), &e.to_string()),
    };
    let user = match users::find_by_email(&app.db, &email).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            return error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "no user with this e-mail");
        }
        Err(e) => {
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.to_string());
        }
    };
    match session::create(&app.db, app.clock.as_ref(), user.id, app.config.session_ttl_hours, session::Began::Demo)
        .await
    {
        Ok(s) => {
            tracing::info!(user = %user.email, "signed in with dev login");
            session_response(&app, &s, &user)
        }
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.to_string()),
    }
}

/// Signs out. Like every state change it takes only JSON from this origin: a cross-site
/// form cannot end someone's session.
pub async fn logout(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if !super::json_only(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "VALIDATION",
            "send `Content-Type: application/json`",
        );
    }
    if !super::graphql::same_origin(&headers) {
        return error_response(StatusCode::FORBIDDEN, "FORBIDDEN", "sign out from a page of this server");
    }
    let mut end_session_url = None;
    if let Ok(Credentials { session: Some(token), .. }) = Credentials::from_headers(&headers) {
        match session::destroy(&app, &token).await {
            Ok(Some(ended)) => {
                if let (Some(provider), Ok(base)) = (ended.provider_id, base_url(&app, &headers)) {
                    // The provider may be unreachable: signing out here has happened anyway.
                    end_session_url = identity::end_session_url(&app, provider, &base).await.ok().flatten();
                }
            }
            Ok(None) => {}
            Err(e) => return error_response(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.to_string()),
        }
    }
    (
        [(SET_COOKIE, session::clear_cookie(app.config.production))],
        Json(json!({"ok": true, "endSessionUrl": end_session_url})),
    )
        .into_response()
}

/// This server's address as browsers reach it: `identity.public_url`, or (outside production)
/// the request's own host.
fn base_url(app: &AppState, headers: &HeaderMap) -> Result<String, crate::error::Error> {
    let configured = app.config.identity.public_url.trim().trim_end_matches('/');
    if !configured.is_empty() {
        return Ok(configured.to_string());
    }
    if app.config.production {
        return Err(crate::error::Error::internal("identity.public_url must be set to sign in at a provider"));
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .ok_or_else(|| crate::error::Error::validation("Host", "the request has no usable Host header"))?;
    let scheme = if super::forwarded_https(headers) { "https" } else { "http" };
    Ok(format!("{scheme}://{host}"))
}

#[derive(Deserialize)]
pub struct ProvidersQuery {
    org: String,
}

/// The identity providers people of organization `org` (its slug) may sign in with, each with
/// what `praetor login` needs for the device grant where it is configured, and whether
/// passwords are allowed. An unknown organization answers like one without providers.
pub async fn providers(State(app): State<Arc<AppState>>, Query(q): Query<ProvidersQuery>) -> Response {
    match identity::sign_in_options(&app, &q.org).await {
        Ok(o) => Json(json!({
            "providers": o.providers.iter().map(|p| {
                let device = p.device.as_ref().map(|d| json!({
                    "issuer": d.issuer, "clientId": d.client_id, "audience": d.audience, "scopes": d.scopes,
                }));
                json!({"id": p.id.to_string(), "name": p.name, "device": device})
            }).collect::<Vec<_>>(),
            "passwords": o.passwords,
        }))
        .into_response(),
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.to_string()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartQuery {
    provider: String,
    return_to: Option<String>,
}

/// Sends the browser to the provider to sign in, with a cookie binding the sign-in to it.
pub async fn oidc_start(State(app): State<Arc<AppState>>, headers: HeaderMap, Query(q): Query<StartQuery>) -> Response {
    let started = async {
        let id = validate::id("provider", &q.provider)?;
        let base = base_url(&app, &headers)?;
        identity::begin(&app, id, &base, q.return_to.as_deref()).await
    }
    .await;
    match started {
        Ok(s) => {
            let cookie = format!(
                "{SIGN_IN_COOKIE}={}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age={}{}",
                s.browser_token,
                app.config.identity.login_ttl_seconds,
                if app.config.production { "; Secure" } else { "" }
            );
            (StatusCode::SEE_OTHER, [(SET_COOKIE, cookie), (LOCATION, s.redirect_to)]).into_response()
        }
        Err(e) => sign_in_failed(&app, &e),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The provider sends the browser back here: the sign-in is finished and a session begins
/// (a new cookie, whatever session the browser had before), or the web app is told why not.
pub async fn oidc_callback(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let browser = cookie_value(&headers, SIGN_IN_COOKIE);
    let finished = async {
        if let Some(error) = &q.error {
            let detail = q.error_description.as_deref().unwrap_or(error);
            return Err(crate::error::Error::Unauthenticated(format!("the provider refused the sign-in: {detail}")));
        }
        let (Some(code), Some(state)) = (q.code.as_deref(), q.state.as_deref()) else {
            return Err(crate::error::Error::Unauthenticated("sign-in refused: the provider sent no code".into()));
        };
        let base = base_url(&app, &headers)?;
        identity::finish(&app, state, code, browser.as_deref(), &base).await
    }
    .await;
    match finished {
        Ok(done) => {
            tracing::info!(user = %done.user.email, "signed in at an identity provider");
            let ttl = i64::from(app.config.session_ttl_hours) * 3600;
            let mut response = (StatusCode::SEE_OTHER, [(LOCATION, done.return_to)]).into_response();
            let h = response.headers_mut();
            for c in [session::cookie(&done.session_token, ttl, app.config.production), clear_sign_in_cookie(&app)] {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    h.append(SET_COOKIE, v);
                }
            }
            response
        }
        Err(e) => sign_in_failed(&app, &e),
    }
}

fn clear_sign_in_cookie(app: &AppState) -> String {
    format!(
        "{SIGN_IN_COOKIE}=; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if app.config.production { "; Secure" } else { "" }
    )
}

/// Back to the web app's sign-in page with why, for the person to read.
fn sign_in_failed(app: &AppState, e: &crate::error::Error) -> Response {
    tracing::info!(code = e.code(), reason = %e, "sign-in at an identity provider failed");
    // The person reads the reason itself, without the error kind's prefix.
    let message = match e {
        crate::error::Error::Unauthenticated(m) => m.clone(),
        crate::error::Error::NotFound(_) => "this identity provider does not exist or is disabled".to_string(),
        other => other.to_string(),
    };
    let query =
        reqwest::Url::parse_with_params("http://localhost/", [("signInError", message.as_str()), ("code", e.code())])
            .ok()
            .and_then(|u| u.query().map(str::to_string))
            .unwrap_or_else(|| "signInError=sign-in+failed".into());
    let location = format!("/?{query}");
    let mut response = (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_sign_in_cookie(app)) {
        response.headers_mut().append(SET_COOKIE, v);
    }
    response
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|text| {
        text.split(';').find_map(|pair| {
            let (n, v) = pair.trim().split_once('=')?;
            (n == name && !v.is_empty()).then(|| v.to_string())
        })
    })
}

/// Refuses a state-changing request that is not JSON from a page of this server.
fn json_from_here(headers: &HeaderMap) -> Option<Response> {
    if !super::json_only(headers) {
        return Some(error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "VALIDATION",
            "send `Content-Type: application/json`",
        ));
    }
    if !super::graphql::same_origin(headers) {
        return Some(error_response(StatusCode::FORBIDDEN, "FORBIDDEN", "send this from a page of this server"));
    }
    None
}

/// The JSON body of a state-changing request from a page of this server, or the refusal.
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
    expected: &str,
) -> Result<T, Box<Response>> {
    if let Some(refused) = json_from_here(headers) {
        return Err(Box::new(refused));
    }
    serde_json::from_slice::<T>(body)
        .map_err(|_| Box::new(error_response(StatusCode::BAD_REQUEST, "VALIDATION", &format!("expected {expected}"))))
}

/// The person whose session cookie came with the request, if it is valid.
async fn session_principal(app: &AppState, headers: &HeaderMap) -> Option<crate::auth::Principal> {
    match Credentials::from_headers(headers) {
        Ok(Credentials { session: Some(token), .. }) => {
            session::authenticate(&app.db, app.clock.as_ref(), &token).await.ok().flatten()
        }
        _ => None,
    }
}

fn session_response(app: &AppState, s: &session::NewSession, user: &praetor_store::user::Model) -> Response {
    let cookie = session::cookie(&s.token, i64::from(app.config.session_ttl_hours) * 3600, app.config.production);
    (
        [(SET_COOKIE, cookie)],
        Json(json!({"user": {"id": user.id.to_string(), "email": user.email, "displayName": user.display_name}, "expiresAt": s.expires_at})),
    )
        .into_response()
}

fn failure(e: &crate::error::Error) -> Response {
    use crate::error::Error;
    let status = match e {
        Error::Validation { .. } => StatusCode::BAD_REQUEST,
        Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut extensions = json!({"code": e.code(), "requestId": crate::request_id::current()});
    if let Error::Validation { field, .. } = e {
        extensions["field"] = json!(field);
    }
    (status, Json(json!({"errors": [{"message": e.to_string(), "extensions": extensions}]}))).into_response()
}

/// Counts a password check against the client address's budget.
fn throttle(
    app: &AppState,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
) -> Result<(), crate::error::Error> {
    let address = peer.map(|axum::Extension(axum::extract::ConnectInfo(a))| a.ip().to_string()).unwrap_or_default();
    app.password_attempts.admit(&address, "password checks from this address")
}

#[derive(Deserialize)]
pub struct PasswordLogin {
    email: String,
    password: String,
    /// The second factor's code, for a person who has one.
    code: Option<String>,
}

/// Signs in with an e-mail address and password (local accounts). Throttled per client address;
/// an account locks after repeated wrong passwords.
pub async fn password_login(
    State(app): State<Arc<AppState>>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let input: PasswordLogin = match json_body(&headers, &body, "{\"email\": \"…\", \"password\": \"…\"}") {
        Ok(i) => i,
        Err(refused) => return *refused,
    };
    if let Err(e) = throttle(&app, peer) {
        return failure(&e);
    }
    match accounts::sign_in(&app, &input.email, &SecretValue::new(input.password), input.code.as_deref()).await {
        Ok((user, s)) => session_response(&app, &s, &user),
        Err(accounts::Refused::Wrong) => {
            error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &accounts::Refused::Wrong.to_string())
        }
        Err(accounts::Refused::CodeNeeded) => error_response(
            StatusCode::UNAUTHORIZED,
            "SECOND_FACTOR_REQUIRED",
            &accounts::Refused::CodeNeeded.to_string(),
        ),
        Err(accounts::Refused::WrongCode) => {
            error_response(StatusCode::UNAUTHORIZED, "SECOND_FACTOR_WRONG", &accounts::Refused::WrongCode.to_string())
        }
        Err(locked @ accounts::Refused::Locked(_)) => {
            error_response(StatusCode::FORBIDDEN, "ACCOUNT_LOCKED", &locked.to_string())
        }
        Err(accounts::Refused::Failed(e)) => failure(&e),
    }
}

#[derive(Deserialize)]
pub struct LinkQuery {
    token: String,
}

/// What an invitation or reset link offers (for its page, before the person answers).
pub async fn invitation_info(State(app): State<Arc<AppState>>, Query(q): Query<LinkQuery>) -> Response {
    match accounts::describe_link(&app, &q.token).await {
        Ok(info) => Json(json!({"email": info.email, "organization": info.org_name, "organizationSlug": info.org_slug, "purpose": info.purpose, "setsPassword": info.sets_password}))
            .into_response(),
        Err(e) => failure(&e),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceptInvitation {
    token: String,
    password: Option<String>,
    display_name: Option<String>,
}

/// Answers an invitation or reset link: sets the password and signs in, or (signed in as the
/// person it names) adds the invitation's role.
pub async fn invitation_accept(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let input: AcceptInvitation = match json_body(&headers, &body, "{\"token\": \"…\", \"password\": \"…\"}") {
        Ok(i) => i,
        Err(refused) => return *refused,
    };
    let signed_in = session_principal(&app, &headers).await;
    let password = input.password.filter(|p| !p.is_empty()).map(SecretValue::new);
    match accounts::accept(&app, &input.token, password, input.display_name.as_deref(), signed_in.as_ref()).await {
        Ok(accounts::Accepted { user, session: Some(s) }) => session_response(&app, &s, &user),
        Ok(accounts::Accepted { user, session: None }) => {
            Json(json!({"user": {"id": user.id.to_string(), "email": user.email, "displayName": user.display_name}}))
                .into_response()
        }
        Err(e) => failure(&e),
    }
}

#[derive(Deserialize)]
pub struct ChangePassword {
    current: String,
    new: String,
}

/// Changes the signed-in person's password.
pub async fn change_password(
    State(app): State<Arc<AppState>>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (input, principal) = match own_account_request::<ChangePassword>(
        &app,
        &headers,
        &body,
        "{\"current\": \"…\", \"new\": \"…\"}",
    )
    .await
    {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    if let Err(e) = throttle(&app, peer) {
        return failure(&e);
    }
    match accounts::change_password(&app, &principal, &SecretValue::new(input.current), &SecretValue::new(input.new))
        .await
    {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(e) => failure(&e),
    }
}

/// The person signed in (by session cookie), or the refusal.
async fn signed_in_person(app: &AppState, headers: &HeaderMap) -> Result<crate::auth::Principal, Response> {
    session_principal(app, headers)
        .await
        .ok_or_else(|| error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "sign in first"))
}

/// A state-changing request of the signed-in person about their own account: its JSON body
/// (from a page of this server) and who they are, or the refusal.
async fn own_account_request<T: serde::de::DeserializeOwned>(
    app: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    expected: &str,
) -> Result<(T, crate::auth::Principal), Response> {
    let input = json_body(headers, body, expected).map_err(|refused| *refused)?;
    Ok((input, signed_in_person(app, headers).await?))
}

/// What the signed-in person's account page shows: whether they have a password and a second
/// factor, and how many recovery codes are left.
pub async fn account(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let principal = match signed_in_person(&app, &headers).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match accounts::account(&app, &principal).await {
        Ok(a) => Json(json!({
            "hasPassword": a.has_password,
            "secondFactor": a.second_factor,
            "recoveryCodesLeft": a.recovery_codes_left,
        }))
        .into_response(),
        Err(e) => failure(&e),
    }
}

#[derive(Deserialize)]
pub struct BeginSecondFactor {
    password: String,
}

/// Begins enrolling an authenticator app: answers its secret and `otpauth://` URI, once.
/// Throttled with password sign-ins (it checks the password).
pub async fn totp_setup(
    State(app): State<Arc<AppState>>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (input, principal) =
        match own_account_request::<BeginSecondFactor>(&app, &headers, &body, "{\"password\": \"…\"}").await {
            Ok(r) => r,
            Err(refused) => return refused,
        };
    if let Err(e) = throttle(&app, peer) {
        return failure(&e);
    }
    match accounts::begin_second_factor(&app, &principal, &SecretValue::new(input.password)).await {
        Ok(e) => Json(json!({"secret": e.secret.expose(), "uri": e.uri.expose()})).into_response(),
        Err(e) => failure(&e),
    }
}

#[derive(Deserialize)]
pub struct EnableSecondFactor {
    code: String,
}

/// Confirms enrolment with a first code: the second factor is on. Answers the recovery codes,
/// once.
pub async fn totp_enable(State(app): State<Arc<AppState>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let (input, principal) =
        match own_account_request::<EnableSecondFactor>(&app, &headers, &body, "{\"code\": \"123456\"}").await {
            Ok(r) => r,
            Err(refused) => return refused,
        };
    match accounts::enable_second_factor(&app, &principal, &input.code).await {
        Ok(codes) => {
            Json(json!({"recoveryCodes": codes.iter().map(|c| c.expose()).collect::<Vec<_>>()})).into_response()
        }
        Err(e) => failure(&e),
    }
}

#[derive(Deserialize)]
pub struct DisableSecondFactor {
    password: String,
    #[serde(default)]
    code: String,
}

/// Turns the second factor off, given the password and a current or recovery code.
pub async fn totp_disable(
    State(app): State<Arc<AppState>>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (input, principal) = match own_account_request::<DisableSecondFactor>(
        &app,
        &headers,
        &body,
        "{\"password\": \"…\", \"code\": \"…\"}",
    )
    .await
    {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    if let Err(e) = throttle(&app, peer) {
        return failure(&e);
    }
    match accounts::disable_second_factor(&app, &principal, &SecretValue::new(input.password), &input.code).await {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(e) => failure(&e),
    }
}
