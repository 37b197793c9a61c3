//! The GraphQL endpoints.
//!
//! POST takes `application/json` only: a cross-site HTML form can send
//! `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain` without a CORS
//! preflight, so refusing those closes CSRF for cookie sessions. GET runs queries only, never
//! mutations, and serves GraphiQL when enabled and no query is given. Websockets are in
//! [`super::ws`].

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Variables;
use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::error_response;
use crate::AppState;
use crate::auth::Credentials;
use crate::error::Error;
use crate::graphql::RequestAuth;

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
    let principal = app.live.authenticate(&app.db, app.clock.as_ref(), &creds).await.map_err(auth_err)?;
    Ok(RequestAuth { principal })
}

pub async fn post(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence != "application/json" {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "VALIDATION",
            "POST /graphql needs `Content-Type: application/json`",
        );
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "VALIDATION",
                &format!("request body is not a GraphQL request: {e}"),
            );
        }
    };
    let auth = match authenticate(&app, &headers).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let response = app.schema.execute(request.data(auth).data(app.clone())).await;
    axum::Json(response).into_response()
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
    axum::Json(app.schema.execute(request.data(auth).data(app.clone())).await).into_response()
}
