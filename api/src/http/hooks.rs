//! `POST /hooks/<trigger id>`: inbound triggers. The request is signed the Standard Webhooks
//! way with the trigger's secret; an accepted one answers 202 with the plan it proposed, a
//! refused one a 4xx with `{"code", "message"}`. See `services::triggers`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::services::triggers::{self, Refusal, Request};

pub async fn post(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let t = match triggers::locate(&app, &id).await {
        Ok(t) => t,
        Err(r) => return refused(r),
    };
    let bytes = axum::body::to_bytes(body, app.config.triggers.max_body_bytes).await;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let req = Request {
        webhook_id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: bytes.as_deref().map_err(|_| ()),
    };
    match triggers::fire(&app, &t, req).await {
        Ok(fired) => (
            StatusCode::ACCEPTED,
            axum::Json(json!({
                "plan": fired.plan.id.to_string(),
                "status": fired.plan.status.to_ascii_uppercase(),
            })),
        )
            .into_response(),
        Err(r) => refused(r),
    }
}

fn refused(r: Refusal) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(json!({"code": r.code, "message": r.message}))).into_response()
}
