//! The GraphQL endpoints.
//!
//! POST takes `application/json` only: a cross-site HTML form can send
//! `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain` without a CORS
//! preflight, so refusing those closes CSRF for cookie sessions. GET runs queries only, never
//! mutations, and serves GraphiQL when enabled and no query is given. Websockets are in
//! [`super::ws`].

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_graphql::Variables;
use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::error_response;
use crate::AppState;
use crate::auth::Credentials;
use crate::error::Error;
use crate::graphql::RequestAuth;
use crate::graphql::limits::Executed;
use crate::graphql::loader::Loaders;
use crate::services::identity::ProviderTokens;

/// For cookie-authenticated requests from a browser, the page must come from this server.
/// (API keys are not sent by browsers on their own, so they need no such check.)
pub(super) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Non-browser clients send no Origin; SameSite=Strict already keeps the cookie from
        // cross-site requests.
        return true;
    };
    let Some(host) = headers.get(HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host)
}

async fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<RequestAuth, Response> {
    let auth_err = |e: Error| error_response(StatusCode::UNAUTHORIZED, e.code(), &e.to_string());
    let mut creds = Credentials::from_headers(headers).map_err(auth_err)?;
    if creds.bearer.is_none() && creds.session.is_some() && !same_origin(headers) {
        creds.session = None;
    }
    let principal =
        app.live.authenticate(&app.db, app.clock.as_ref(), &creds, &ProviderTokens(app)).await.map_err(auth_err)?;
    Ok(RequestAuth { principal })
}

/// The GraphQL-over-HTTP response media type. A client that accepts it gets it, and with it
/// 4xx statuses for requests that never executed (unparsable, invalid); others get
/// `application/json` with 200, as GraphQL servers always answered.
pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers.get_all(ACCEPT).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|item| {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
        media.eq_ignore_ascii_case(GRAPHQL_RESPONSE) && !refused
    })
}

/// Runs a GraphQL request and answers in the media type the client asked for.
async fn answer(
    app: &Arc<AppState>,
    request: async_graphql::Request,
    auth: RequestAuth,
    headers: &HeaderMap,
) -> Response {
    let executed = Executed::default();
    let request = request.data(auth).data(app.clone()).data(executed.clone()).data(Loaders::default());
    let response = app.schema.execute(request).await;
    if !wants_graphql_response(headers) {
        return axum::Json(response).into_response();
    }
    let refused_whole = !response.errors.is_empty() && !executed.0.load(Ordering::SeqCst);
    let status = if refused_whole { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let mut body = match serde_json::to_value(&response) {
        Ok(b) => b,
        Err(e) => {
            let e = Error::internal(format!("encoding a response: {e}"));
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.to_string());
        }
    };
    // Nothing ran, so there is no data, not even null.
    if refused_whole && let Some(obj) = body.as_object_mut() {
        obj.remove("data");
    }
    (status, [(CONTENT_TYPE, GRAPHQL_RESPONSE)], axum::Json(body)).into_response()
}

/// The parameters of a GraphQL-over-HTTP request: `query` (a string) and optionally
/// `operationName`, `variables` and `extensions`; anything else is a client's mistake.
fn parse_request(body: &[u8]) -> Result<async_graphql::Request, String> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let obj = value.as_object().ok_or("the body must be a JSON object")?;
    if let Some(unknown) =
        obj.keys().find(|k| !["query", "operationName", "variables", "extensions"].contains(&k.as_str()))
    {
        return Err(format!("unknown parameter `{unknown}` (query, operationName, variables, extensions)"));
    }
    if !obj.get("query").is_some_and(serde_json::Value::is_string) {
        return Err("`query` must be a string".into());
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

pub async fn post(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    if !super::json_only(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "VALIDATION",
            "POST /graphql needs `Content-Type: application/json`",
        );
    }
    let request = match parse_request(&body) {
        Ok(r) => r,
        Err(why) => {
            return error_response(StatusCode::BAD_REQUEST, "VALIDATION", &format!("not a GraphQL request: {why}"));
        }
    };
    let auth = match authenticate(&app, &headers).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    answer(&app, request, auth, &headers).await
}

pub async fn get(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(query) = params.get("query") else {
        if app.config.graphiql_enabled() {
            let html = async_graphql::http::GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql/ws")
                .title("Praetor GraphiQL")
                .finish();
            return Html(html).into_response();
        }
        return error_response(StatusCode::NOT_FOUND, "NOT_FOUND", "GraphiQL is disabled");
    };
    // Only queries run over GET: a link or an <img> must never be able to change anything.
    let doc = match async_graphql::parser::parse_query(query) {
        Ok(d) => d,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, "VALIDATION", &e.to_string()),
    };
    let op_name = params.get("operationName").map(String::as_str);
    let selected = doc.operations.iter().find(|(name, _)| match op_name {
        Some(wanted) => name.map(|n| n.as_str()) == Some(wanted),
        None => true,
    });
    match selected {
        Some((_, op)) if op.node.ty == OperationType::Query => {}
        Some(_) => {
            return error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                "VALIDATION",
                "only queries may be sent with GET; use POST",
            );
        }
        None => {
            return error_response(StatusCode::BAD_REQUEST, "VALIDATION", "no such operation in the document");
        }
    }
    let mut request = async_graphql::Request::new(query.clone());
    if let Some(name) = op_name {
        request = request.operation_name(name);
    }
    if let Some(vars) = params.get("variables") {
        match serde_json::from_str::<serde_json::Value>(vars) {
            Ok(v) => request = request.variables(Variables::from_json(v)),
            Err(e) => {
                return error_response(StatusCode::BAD_REQUEST, "VALIDATION", &format!("variables: {e}"));
            }
        }
    }
    let auth = match authenticate(&app, &headers).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    answer(&app, request, auth, &headers).await
}
