//! Built-in handlers that need no network: state changes, chat messages, timers and gates.

use async_trait::async_trait;
use chrono::Duration;
use serde_json::{Value, json};

use super::{Handler, HandlerCtx, HandlerError, Outcome};
use praetor_domain::plan::Stage;
use praetor_domain::state::StateOp;

fn str_param<'a>(params: &'a Value, name: &str) -> Result<&'a str, HandlerError> {
    praetor_domain::decide::actions::str_param(params, name).map_err(HandlerError::permanent)
}

/// What a built-in state action does (see [`praetor_domain::decide::actions::state_change`]),
/// its failures permanent.
pub fn state_change(
    action: &str,
    state: &Value,
    params: &Value,
) -> Option<Result<(Value, Vec<StateOp>), HandlerError>> {
    praetor_domain::decide::actions::state_change(action, state, params).map(|r| r.map_err(HandlerError::permanent))
}

/// The handler of a built-in state action: [`state_change`], as a step.
pub struct StateChange(pub &'static str);

#[async_trait]
impl Handler for StateChange {
    async fn run(&self, ctx: &HandlerCtx<'_>, params: &Value) -> Result<Outcome, HandlerError> {
        let (output, ops) = state_change(self.0, ctx.state, params)
            .unwrap_or_else(|| Err(HandlerError::permanent(format!("`{}` is not a state action", self.0))))?;
        Ok(Outcome::Done { output, ops })
    }
}

pub struct ChatPost;

#[async_trait]
impl Handler for ChatPost {
    async fn run(&self, _ctx: &HandlerCtx<'_>, params: &Value) -> Result<Outcome, HandlerError> {
        let text = str_param(params, "text")?;
        // The message is the step's output; the plan's chat session shows step outputs of
        // chat.post steps as messages.
        Ok(Outcome::Done { output: json!({"text": text}), ops: Vec::new() })
    }
}

pub struct Delay;

#[async_trait]
impl Handler for Delay {
    async fn run(&self, ctx: &HandlerCtx<'_>, params: &Value) -> Result<Outcome, HandlerError> {
        let seconds = params.get("seconds").and_then(Value::as_i64).unwrap_or(0).max(0);
        if seconds == 0 {
            return Ok(Outcome::Done { output: json!({"waited": 0}), ops: Vec::new() });
        }
        Ok(Outcome::Wait { until: ctx.now + Duration::seconds(seconds) })
    }
}

pub struct ApprovalGate;

#[async_trait]
impl Handler for ApprovalGate {
    async fn run(&self, ctx: &HandlerCtx<'_>, params: &Value) -> Result<Outcome, HandlerError> {
        let group = str_param(params, "group")?.to_string();
        let count = params.get("count").and_then(Value::as_u64).unwrap_or(1).clamp(1, 20) as u32;
        let name = params.get("name").and_then(Value::as_str).unwrap_or(&group).to_string();
        let allow_earlier_approvers = params.get("allowEarlierApprovers").and_then(Value::as_bool).unwrap_or(false);
        Ok(Outcome::Gate {
            stage: Stage {
                name,
                groups: vec![group],
                count,
                rule: format!("approval.gate step {}", ctx.step),
                allow_earlier_approvers,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::net::Egress;
    use praetor_domain::state;

    fn ctx<'a>(state: &'a Value, egress: &'a Egress) -> HandlerCtx<'a> {
        HandlerCtx { state, now: chrono::DateTime::UNIX_EPOCH, idempotency_key: "k", egress, plan: "p", step: "s" }
    }

    async fn ops(h: &dyn Handler, state: &Value, params: Value) -> Vec<StateOp> {
        let egress = Egress::deny_all();
        match h.run(&ctx(state, &egress), &params).await.unwrap() {
            Outcome::Done { ops, .. } => ops,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn state_handlers_record_absolute_changes() {
        let s = json!({"counter": 41, "flags": {"a": true}});
        assert_eq!(
            ops(&StateChange("state.increment"), &s, json!({"key": "counter"})).await,
            vec![StateOp::Set { path: "counter".into(), value: json!(42) }]
        );
        assert_eq!(
            ops(&StateChange("state.increment"), &s, json!({"key": "new", "by": 2.5})).await,
            vec![StateOp::Set { path: "new".into(), value: json!(2.5) }]
        );
        assert_eq!(
            ops(&StateChange("state.delete"), &s, json!({"key": "flags.a"})).await,
            vec![StateOp::Delete { path: "flags.a".into() }]
        );
        let patch = ops(&StateChange("state.patch"), &s, json!({"key": "flags", "patch": {"a": null, "b": 1}})).await;
        assert_eq!(patch.len(), 2);
        let egress = Egress::deny_all();
        let err = StateChange("state.increment")
            .run(&ctx(&json!({"s": "x"}), &egress), &json!({"key": "s"}))
            .await
            .unwrap_err();
        assert!(!err.retryable && err.message.contains("not a number"));
        let err =
            StateChange("state.set").run(&ctx(&s, &egress), &json!({"key": "bad key", "value": 1})).await.unwrap_err();
        assert!(err.message.contains("not a state path"));
    }

    #[tokio::test]
    async fn state_cannot_grow_past_its_bound() {
        let egress = Egress::deny_all();
        let big = "x".repeat(state::MAX_STATE_BYTES);
        let err = StateChange("state.set")
            .run(&ctx(&state::empty(), &egress), &json!({"key": "blob", "value": big}))
            .await
            .unwrap_err();
        assert!(err.message.contains("limit"), "{}", err.message);
    }

    #[tokio::test]
    async fn delay_and_gate() {
        let egress = Egress::deny_all();
        let s = state::empty();
        let out = Delay.run(&ctx(&s, &egress), &json!({"seconds": 90})).await.unwrap();
        assert_eq!(out, Outcome::Wait { until: chrono::DateTime::UNIX_EPOCH + Duration::seconds(90) });
        match ApprovalGate.run(&ctx(&s, &egress), &json!({"group": "sre", "count": 2})).await.unwrap() {
            Outcome::Gate { stage } => {
                assert_eq!((stage.groups, stage.count), (vec!["sre".to_string()], 2))
            }
            other => panic!("{other:?}"),
        }
    }
}
