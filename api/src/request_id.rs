//! The id of the request being served, for logs and for the message of internal errors.
//! Set by the HTTP layer for the whole handling of a request (a task-local, so deep code such as
//! [`crate::error::Error::internal`] can name it without threading it through every call).

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `fut` with `id` as the current request id.
pub async fn scope<F: Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// The current request id, or `-` outside a request (CLI, background jobs).
pub fn current() -> String {
    REQUEST_ID.try_with(|id| id.clone()).unwrap_or_else(|_| "-".to_string())
}

/// A fresh request id.
pub fn generate() -> String {
    format!("req_{}", uuid::Uuid::now_v7().simple())
}

/// Accepts a caller-supplied id only if it is short and plain, so it is safe in logs.
pub fn sanitize(candidate: &str) -> Option<String> {
    let ok = !candidate.is_empty()
        && candidate.len() <= 64
        && candidate.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then(|| candidate.to_string())
}
