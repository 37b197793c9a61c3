//! Browser sign-in. Only the development login exists so far (enabled by `--demo` or
//! `dev_login = true`); OIDC will sit beside it.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::error_response;
use crate::AppState;
use crate::auth::{Credentials, session};
use crate::services::{setup, users, validate};

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
    Json(json!({"devLogin": app.config.dev_login_enabled(), "demo": app.config.demo, "demoUsers": demo_users}))
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
    let ttl = app.config.session_ttl_hours;
    match session::create(&app.db, app.clock.as_ref(), user.id, ttl).await {
        Ok(s) => {
            tracing::info!(user = %user.email, "signed in with dev login");
            let cookie = session::cookie(&s.token, i64::from(ttl) * 3600, app.config.production);
            (
                [(SET_COOKIE, cookie)],
                Json(json!({"user": {"id": user.id.to_string(), "email": user.email, "displayName": user.display_name}, "expiresAt": s.expires_at})),
            )
                .into_response()
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
    if let Ok(Credentials { session: Some(token), .. }) = Credentials::from_headers(&headers)
        && let Err(e) = session::destroy(&app, &token).await
    {
        return error_response(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.to_string());
    }
    ([(SET_COOKIE, session::clear_cookie(app.config.production))], Json(json!({"ok": true}))).into_response()
}
