//! Why a planner could not answer at all (as opposed to asking back, which is an
//! [`Outcome::Clarify`](crate::Outcome::Clarify)). Messages are meant to be shown: they name
//! the tool and what was wrong, and never contain the model endpoint's key.

use std::time::Duration;

use crate::validate::ParamProblem;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlannerError {
    #[error("the planner is misconfigured: {0}")]
    Config(String),
    #[error("the model endpoint could not be reached: {0}")]
    Transport(String),
    #[error("the model endpoint did not answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    #[error("the model endpoint answered HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("the model endpoint did not answer with an event stream: {0}")]
    NotEventStream(String),
    #[error("the model's answer could not be read: {0}")]
    BadStream(String),
    #[error("the model called `{tool}`, which is not an available tool")]
    UnknownTool { tool: String },
    #[error("the model's call of `{tool}` is malformed: {problem}")]
    MalformedToolCall { tool: String, problem: String },
    #[error("the model's call of `{tool}` ({target}) has invalid arguments: {}", join(.problems))]
    InvalidArguments { tool: String, target: String, problems: Vec<ParamProblem> },
    #[error("agent `{agent}` proposed `{target}`, which its role does not allow")]
    OutsideRole { agent: String, target: String },
}

fn join(problems: &[ParamProblem]) -> String {
    problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; ")
}
