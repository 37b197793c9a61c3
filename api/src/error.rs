//! The one error type. Each variant maps to a stable `extensions.code` for GraphQL clients; an
//! internal error is logged with where it happened and shown to clients only as a generic
//! message carrying the request id.

use std::panic::Location;

use async_graphql::ErrorExtensions;
use praetor_store::DbErr;
use praetor_store::db::Failure;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("invalid {field}: {message}")]
    Validation { field: String, message: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("denied by policy: {0}")]
    PolicyDenied(String),
    #[error("approval required: {0}")]
    ApprovalRequired(String),
    #[error("rate limited: {message}")]
    RateLimited { message: String, retry_after_seconds: u64 },
    #[error("budget exceeded: {}", .0.message())]
    BudgetExceeded(Box<praetor_domain::snapshot::Exceeded>),
    #[error("outside execution window: {0}")]
    OutsideWindow(String),
    #[error("{}", .0.message())]
    KillSwitch(Box<praetor_domain::snapshot::KillInfo>),
    /// The operation ran past its time budget and was cancelled.
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("internal error")]
    Internal { detail: String, location: &'static Location<'static> },
    /// Policy documents that do not compile or verify; every diagnostic is reported.
    #[error("the policy has {} problem(s); first: {}", .0.len(), .0.first().map(|d| format!("{}:{}: {} {}", d.location.file, d.location.line, d.code, d.message)).unwrap_or_default())]
    PolicyInvalid(Vec<praetor_policy::Diagnostic>),
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated(_) => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::NotFound(_) => "NOT_FOUND",
            Error::Validation { .. } => "VALIDATION",
            Error::Conflict(_) => "CONFLICT",
            Error::PolicyDenied(_) => "POLICY_DENIED",
            Error::ApprovalRequired(_) => "APPROVAL_REQUIRED",
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::BudgetExceeded(_) => "BUDGET_EXCEEDED",
            Error::OutsideWindow(_) => "OUTSIDE_WINDOW",
            Error::KillSwitch(_) => "KILL_SWITCH",
            Error::Timeout(_) => "TIMEOUT",
            Error::Internal { .. } => "INTERNAL",
            Error::PolicyInvalid(_) => "VALIDATION",
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound(what.into())
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation { field: field.into(), message: message.into() }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(message.into())
    }

    /// An unexpected failure; logged here with the caller's location.
    #[track_caller]
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let location = Location::caller();
        let detail = detail.to_string();
        tracing::error!(%location, request_id = %crate::request_id::current(), "internal error: {detail}");
        Error::Internal { detail, location }
    }

    /// Maps a database error: constraint violations are the client's conflict, a missing record
    /// is NOT_FOUND, anything else is internal.
    #[track_caller]
    pub fn from_db(err: DbErr) -> Self {
        match praetor_store::db::failure(&err) {
            Failure::Unique => Error::Conflict("an object with the same unique name already exists".into()),
            Failure::ForeignKey => Error::Conflict("the change refers to an object that does not exist".into()),
            Failure::NotFound(what) => Error::NotFound(what),
            Failure::Other => Error::internal(err),
        }
    }
}

/// Reads JSON that Praetor stored. A stored value that does not parse is corrupt: an internal
/// error naming what it was (logged with the caller's location), never a default value that
/// would quietly change what the data says.
#[track_caller]
pub fn stored<T: serde::de::DeserializeOwned>(what: impl std::fmt::Display, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::internal(format!("{what} is unreadable: {e}")))
}

/// Reads a closed-set value (a status, verdict, risk, …) Praetor stored as text: an unknown
/// spelling is corrupt data, an internal error naming what it was.
#[track_caller]
pub fn stored_value<T>(what: impl std::fmt::Display, text: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(text).ok_or_else(|| Error::internal(format!("{what} is unreadable: unknown value {text:?}")))
}

/// Maps a database error, giving a unique-constraint conflict the caller's explanation
/// (`project.insert(…).await.map_err(conflict_means("a project with this slug exists"))`).
#[track_caller]
pub fn conflict_means(message: &str) -> impl FnOnce(DbErr) -> Error + '_ {
    move |e| match Error::from_db(e) {
        Error::Conflict(_) => Error::Conflict(message.to_string()),
        other => other,
    }
}

impl From<praetor_domain::snapshot::Exceeded> for Error {
    fn from(x: praetor_domain::snapshot::Exceeded) -> Self {
        Error::BudgetExceeded(Box::new(x))
    }
}

impl From<DbErr> for Error {
    #[track_caller]
    fn from(err: DbErr) -> Self {
        Error::from_db(err)
    }
}

impl ErrorExtensions for Error {
    fn extend(&self) -> async_graphql::Error {
        let message = match self {
            Error::Internal { .. } => {
                format!("internal error (request id {})", crate::request_id::current())
            }
            other => other.to_string(),
        };
        async_graphql::Error::new(message).extend_with(|_, e| {
            e.set("code", self.code());
            match self {
                Error::Validation { field, .. } => e.set("field", field.as_str()),
                Error::RateLimited { retry_after_seconds, .. } => e.set("retryAfterSeconds", *retry_after_seconds),
                Error::BudgetExceeded(x) => {
                    e.set("level", x.level.as_str());
                    e.set("policy", x.policy.as_str());
                    e.set("limit", x.limit);
                    e.set("spent", x.spent);
                    e.set("reserved", x.reserved);
                    e.set("cost", x.cost);
                    e.set("unit", x.unit.as_str());
                }
                Error::KillSwitch(k) => {
                    e.set("scope", k.scope.as_str());
                    e.set("reason", k.reason.as_str());
                    e.set("engagedBy", k.by.as_str());
                }
                Error::Internal { .. } => e.set("requestId", crate::request_id::current()),
                Error::PolicyInvalid(diags) => {
                    e.set("field", "sources");
                    let list: Vec<async_graphql::Value> = diags
                        .iter()
                        .map(|d| {
                            async_graphql::Value::from_json(serde_json::json!({
                                "code": d.code,
                                // As the schema's Severity enum spells it, like validatePolicy.
                                "severity": d.severity.as_str().to_ascii_uppercase(),
                                "message": d.message,
                                "file": d.location.file,
                                "line": d.location.line,
                                "column": d.location.column,
                                "path": d.location.path,
                            }))
                            .unwrap_or(async_graphql::Value::Null)
                        })
                        .collect();
                    e.set("diagnostics", async_graphql::Value::List(list));
                }
                _ => {}
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A missing record is NOT_FOUND and anything unclassified INTERNAL (conflicts need a real
    /// database to raise them: the store's test classifies them, and the integration tests
    /// see CONFLICT for a duplicate slug).
    #[test]
    fn database_failures_map_to_client_codes() {
        assert_eq!(Error::from(DbErr::RecordNotFound("plan".into())).code(), "NOT_FOUND");
        assert_eq!(Error::from(DbErr::Custom("boom".into())).code(), "INTERNAL");
    }

    #[test]
    fn extensions_carry_code_and_details_but_never_internal_detail() {
        let e = Error::validation("slug", "must be lowercase").extend();
        let ext = e.extensions.as_ref().unwrap();
        assert_eq!(ext.get("code").unwrap().to_string(), "\"VALIDATION\"");
        assert_eq!(ext.get("field").unwrap().to_string(), "\"slug\"");

        let e = Error::RateLimited { message: "x".into(), retry_after_seconds: 7 }.extend();
        assert_eq!(e.extensions.as_ref().unwrap().get("retryAfterSeconds").unwrap().to_string(), "7");

        let e = Error::internal("password=hunter2 connection refused").extend();
        assert!(!e.message.contains("hunter2"));
        assert!(e.message.starts_with("internal error"));
    }
}
