//! HTTP: the GraphQL endpoint (POST, GET for queries only, websocket subscriptions), session
//! sign-in for the browser, health checks and the web UI.
//!
//! Every request gets an id (`x-request-id`, generated unless the caller sent a plain one),
//! visible in logs and in internal error messages.

mod auth_routes;
mod graphql;
mod hooks;
mod ui;
pub mod ws;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::AppState;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The routes of this process's address. A worker (`role = "worker"`) serves only its health
/// checks and (unless `metrics.listen` moves it) `/metrics`: nothing else answers there.
pub fn router(app: Arc<AppState>) -> Router {
    let limit = app.config.max_body_bytes;
    let metrics_here = app.config.metrics.enabled && app.config.metrics.listen_addr().is_none();
    let mut routes = Router::new();
    if metrics_here {
        routes = routes.route("/metrics", get(metrics));
    }
    routes = routes.route("/healthz", get(healthz)).route("/readyz", get(readyz));
    if app.config.role.serves_api() {
        routes = api_routes(routes);
    }
    routes
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(app.clone(), strict_transport))
        .layer(middleware::from_fn(request_id))
        .layer(TraceLayer::new_for_http())
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("no-referrer"),
        ))
        .with_state(app)
}

/// The API, sign-in, inbound triggers and the web app.
fn api_routes(routes: Router<Arc<AppState>>) -> Router<Arc<AppState>> {
    routes
        .route("/graphql", post(graphql::post).get(graphql::get))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/auth/config", get(auth_routes::config))
        .route("/auth/dev-login", post(auth_routes::dev_login))
        .route("/auth/logout", post(auth_routes::logout))
        .route("/auth/providers", get(auth_routes::providers))
        .route("/auth/password", post(auth_routes::password_login))
        .route("/auth/password/change", post(auth_routes::change_password))
        .route("/auth/account", get(auth_routes::account))
        .route("/auth/totp/setup", post(auth_routes::totp_setup))
        .route("/auth/totp/enable", post(auth_routes::totp_enable))
        .route("/auth/totp/disable", post(auth_routes::totp_disable))
        .route("/auth/invitation", get(auth_routes::invitation_info).post(auth_routes::invitation_accept))
        .route("/auth/oidc/start", get(auth_routes::oidc_start))
        .route("/auth/oidc/callback", get(auth_routes::oidc_callback))
        .route("/hooks/{id}", post(hooks::post))
        .fallback(get(ui::serve))
}

async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::request_id::sanitize)
        .unwrap_or_else(crate::request_id::generate);
    req.extensions_mut().insert(RequestId(id.clone()));
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "ui".into());
    let method = req.method().clone();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        trace_id = tracing::field::Empty,
        otel.name = %format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
    );
    // Continues the caller's trace (W3C traceparent); every log line of the request names it.
    crate::traces::continue_caller(&span, req.headers());
    if let Some(trace) = crate::traces::trace_id(&span) {
        span.record("trace_id", tracing::field::display(&trace));
    }
    let started = std::time::Instant::now();
    let run = async {
        let response = next.run(req).await;
        let status = response.status().as_u16();
        // As an integer: tracing's bridge to OpenTelemetry writes a u16 as text.
        tracing::Span::current().record("http.response.status_code", i64::from(status));
        let elapsed = started.elapsed();
        tracing::debug!(status, elapsed_ms = elapsed.as_millis() as u64, "request finished");
        // Counted and timed by its route template (the web app's pages are `ui`).
        crate::metrics::http_request(&route, method.as_str(), status, elapsed);
        response
    };
    let mut response = crate::request_id::scope(id.clone(), tracing::Instrument::instrument(run, span)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}

/// `/metrics` alone, for `metrics.listen`: served apart from the API, so it need not be public.
pub fn metrics_router(app: Arc<AppState>) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(app)
}

/// The Prometheus text exposition, with the database-derived gauges read again if stale.
async fn metrics(State(app): State<Arc<AppState>>) -> Response {
    let text = match crate::metrics::gauges::scrape(&app).await {
        Ok(text) => text,
        Err(e) => return error_response(StatusCode::SERVICE_UNAVAILABLE, e.code(), &e.to_string()),
    };
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

/// Whether the request reached us over HTTPS, as a proxy in front says (`X-Forwarded-Proto`
/// or `Forwarded: proto=`). Praetor itself serves plain HTTP behind TLS termination.
pub(crate) fn forwarded_https(headers: &axum::http::HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    let xfp = text("x-forwarded-proto").is_some_and(|v| v.split(',').next().is_some_and(|p| p.trim() == "https"));
    let forwarded = text("forwarded").is_some_and(|v| {
        v.split(',').next().is_some_and(|first| first.split(';').any(|p| p.trim().trim_matches('"') == "proto=https"))
    });
    xfp || forwarded
}

/// In production, responses to HTTPS requests tell browsers to use HTTPS only from now on.
async fn strict_transport(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let https = app.config.production && forwarded_https(req.headers());
    let mut response = next.run(req).await;
    if https {
        response.headers_mut().insert(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// The id of the current request, as an extension.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(app): State<Arc<AppState>>) -> Response {
    if crate::db::ping(&app.db).await {
        let (database, role) = (crate::db::backend_name(&app.db), app.config.role.as_str());
        axum::Json(json!({"status": "ready", "database": database, "role": role})).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"status": "database unreachable"}))).into_response()
    }
}

/// Whether the request body is declared JSON. State changes accept nothing else: an HTML form
/// from another site can send other types without a CORS preflight, never this one.
pub(crate) fn json_only(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"))
}

/// A GraphQL-shaped error body for failures before the GraphQL engine runs.
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"errors": [{"message": message, "extensions": {"code": code, "requestId": crate::request_id::current()}}]})),
    )
        .into_response()
}
