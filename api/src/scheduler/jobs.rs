//! The instance's own timed jobs: the housekeeping that time makes due. Each is idempotent and
//! works on what is due when it runs, so one run covers any slots missed before it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::AppState;
use crate::error::Result;

type Run = fn(Arc<AppState>) -> Pin<Box<dyn Future<Output = Result<String>> + Send>>;

/// A job: its name, its cron schedule (with seconds, in UTC), what it does, and the run itself
/// (answering what it did, for the run's record).
pub struct JobSpec {
    pub name: &'static str,
    pub cron: &'static str,
    pub description: &'static str,
    pub run: Run,
}

pub static JOBS: &[JobSpec] = &[
    JobSpec {
        name: "approvals.expire",
        cron: "*/5 * * * * *",
        description: "Plans whose approval requests have passed their time to live expire.",
        run: |app| {
            Box::pin(async move {
                let n = crate::services::approvals::expire_due(&app).await?;
                Ok(format!("{n} plan(s) expired"))
            })
        },
    },
    JobSpec {
        name: "grants.expire",
        cron: "*/5 * * * * *",
        description: "Temporary role grants past their end are taken back.",
        run: |app| {
            Box::pin(async move {
                let n = crate::services::grants::expire_due(&app).await?;
                Ok(format!("{n} grant(s) ended"))
            })
        },
    },
    JobSpec {
        name: "rate_limits.prune",
        cron: "0 * * * * *",
        description: "Rate-limit hits older than every period that counts them are deleted.",
        run: |app| {
            Box::pin(async move {
                let only = app.config.worker.only_org();
                let n = crate::governance::rate::prune(&app.db, app.clock.now(), only).await?;
                Ok(format!("{n} hit(s) deleted"))
            })
        },
    },
    JobSpec {
        name: "chat.sweep",
        cron: "*/5 * * * * *",
        description: "Answers interrupted by a stopped node (their session's hold lapsed) are ended with an INTERRUPTED answer, audited.",
        run: |app| {
            Box::pin(async move {
                let n = crate::chat::answers::sweep(&app).await?;
                Ok(format!("{n} session(s) ended"))
            })
        },
    },
    JobSpec {
        name: "notifications.prune",
        cron: "40 */10 * * * *",
        description: "Notifications past notifications.retention_days (unread ones four times that) and finished e-mails are deleted.",
        run: |app| {
            Box::pin(async move {
                let (n, m) = crate::services::notifications::prune(&app).await?;
                Ok(format!("{n} notification(s) and {m} e-mail(s) deleted"))
            })
        },
    },
    JobSpec {
        name: "webhooks.prune",
        cron: "0 */10 * * * *",
        description: "Finished webhook deliveries and their attempts older than webhooks.retention_days are deleted.",
        run: |app| {
            Box::pin(async move {
                let n = crate::services::webhook_delivery::prune(&app).await?;
                Ok(format!("{n} deliveries deleted"))
            })
        },
    },
    JobSpec {
        name: "budgets.forecast",
        cron: "20 * * * * *",
        description: "The forecast of every budget that spent today is checked; one running out before its reset raises an alert (once a day), one falling back clears it.",
        run: |app| {
            Box::pin(async move {
                let n = crate::services::forecasts::alert(&app).await?;
                Ok(format!("{n} forecast alert(s) raised or cleared"))
            })
        },
    },
    JobSpec {
        name: "budgets.adapt",
        cron: "0 30 0 * * *",
        description: "Where an organization's policy says adaptiveBudget: { apply: automatic }, each project's recommended daily limit is applied within the policy's bounds.",
        run: |app| {
            Box::pin(async move {
                let done = crate::services::budget_advice::adapt_all(&app).await?;
                Ok(format!(
                    "{} budget(s) applied, {} already in force, {} failed",
                    done.applied, done.unchanged, done.failed
                ))
            })
        },
    },
    JobSpec {
        name: "rollups.fold",
        cron: "*/15 * * * * *",
        description: "Each organization's new audit entries are added to its hourly and daily rollups.",
        run: |app| {
            Box::pin(async move {
                let n = crate::services::rollups::fold_all(&app).await?;
                Ok(format!("{n} audit entries folded"))
            })
        },
    },
    JobSpec {
        name: "audit.verify",
        cron: "0 7 * * * *",
        description: "Every organization's whole audit chain is verified from its first entry; a broken one is logged and shows on /metrics as praetor_audit_chains_broken.",
        run: |app| {
            Box::pin(async move {
                let (broken, of) = crate::services::audit_log::verify_all(&app).await?;
                Ok(format!("{broken} of {of} chain(s) broken"))
            })
        },
    },
    JobSpec {
        name: "audit.checkpoint",
        cron: "0 17 * * * *",
        description: "Every organization's audit chain that moved since its last checkpoint is verified since then and checkpointed: its head and Merkle root signed with the instance's Ed25519 key.",
        run: |app| {
            Box::pin(async move {
                let (signed, refused) = crate::services::checkpoints::create_all(&app).await?;
                Ok(format!("{signed} checkpoint(s) signed, {refused} chain(s) refused"))
            })
        },
    },
    JobSpec {
        name: "policy_packs.advance",
        cron: "20 * * * * *",
        description: "Organizations that follow a policy pack's latest version move on to a newer version once it takes effect (each move audited in the organization).",
        run: |app| {
            Box::pin(async move {
                let n = crate::services::policy_packs::advance(&app).await?;
                Ok(format!("{n} subscription(s) moved to a newer pack version"))
            })
        },
    },
    JobSpec {
        name: "scheduler.prune",
        cron: "30 */10 * * * *",
        description: "The scheduler's records of runs older than scheduler.retention_hours are deleted (each job's last stays).",
        run: |app| {
            Box::pin(async move {
                let n = super::prune(&app).await?;
                Ok(format!("{n} record(s) deleted"))
            })
        },
    },
];
