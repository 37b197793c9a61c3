//! `praetor grant list|request|approve|reject|revoke`: time-boxed role grants (just-in-time
//! access) on the server of the current context. A grant ends by itself at its `until`; the
//! command line takes a duration (`--for 2h`) and turns it into that instant by this machine's
//! clock. Policy (`grants:`) bounds the duration and may ask for a second person's approval; a
//! request for oneself always waits for one.

use std::path::PathBuf;

use praetor::clock::{Clock as _, SystemClock};

use super::client::{
    self, approve_role_grant, grant_requester, grant_temporary_role, reject_role_grant, revoke_role_grant, role_grants,
};
use super::output::{self, Output, RemoteFlags, Tabular, name, or_dash};
use super::remote::{Failure, Session};

#[derive(clap::Args)]
pub struct GrantArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: GrantCommand,
}

#[derive(clap::Subcommand)]
pub enum GrantCommand {
    /// The grants you may see, newest first: those pending, scheduled or active (with --all,
    /// ended ones too; with --pending, only those waiting for a decision).
    #[command(after_help = "Examples:\n  praetor grant list\n  praetor grant list --pending -o table\n  \
                            praetor grant list --pending -o json | jq -r '.[] | select(.viewerCanDecide) | .id'")]
    List {
        /// Only grants waiting for an approver.
        #[arg(long, conflicts_with = "all")]
        pending: bool,
        /// Ended grants too (expired, rejected, revoked).
        #[arg(long)]
        all: bool,
    },
    /// Ask for (or, with `role.bind`, give) a role for a while, org-wide or in one project;
    /// without --user or --service-account, for yourself. Without `role.bind` you may only ask
    /// for yourself, and the request waits for someone else who may bind roles to approve it
    /// (as every grant does where policy says `grants: { requireApproval: true }`).
    #[command(
        after_help = "Examples:\n  praetor grant request --role operator --project web --for 2h --reason 'incident 42'\n  \
                            praetor grant request --role approver --for 30m --reason 'release review' --user bob@example.com\n\n\
                            Durations: 90s, 45m, 2h, 1d, or several (1h30m)."
    )]
    Request {
        /// org_admin, org_member, project_admin, operator, approver or viewer.
        #[arg(long)]
        role: String,
        /// A project (default: the whole organization).
        #[arg(long)]
        project: Option<String>,
        /// How long the access lasts from now (or from its approval, for a request that
        /// waits for one).
        #[arg(long = "for", value_parser = parse_duration)]
        duration: chrono::Duration,
        /// Why: kept with the grant and in the audit log.
        #[arg(long)]
        reason: String,
        /// A person, by e-mail (default: you).
        #[arg(long, conflicts_with = "service_account")]
        user: Option<String>,
        /// A service account, by name.
        #[arg(long)]
        service_account: Option<String>,
    },
    /// Approve a pending grant (needs `role.bind` in its scope; not its requester nor the
    /// person who gets the role). Its time starts now.
    #[command(after_help = "Example:\n  praetor grant approve grt_0190… --comment 'on call this week'")]
    Approve {
        id: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Reject a pending grant (needs `role.bind` in its scope).
    #[command(after_help = "Example:\n  praetor grant reject grt_0190… --comment 'use the runbook instead'")]
    Reject {
        id: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// End a grant before its time (needs `role.bind` in its scope): the role stops working at
    /// once.
    #[command(after_help = "Example:\n  praetor grant revoke grt_0190… --reason 'incident closed'")]
    Revoke {
        id: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
}

/// `90s`, `45m`, `2h`, `1d`, or several of them (`1h30m`); more than zero.
fn parse_duration(text: &str) -> Result<chrono::Duration, String> {
    let bad = || format!("{text:?} is not a duration (e.g. 90s, 45m, 2h, 1d, 1h30m)");
    let mut total = chrono::Duration::zero();
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        let part = match c {
            's' => chrono::Duration::try_seconds(n),
            'm' => chrono::Duration::try_minutes(n),
            'h' => chrono::Duration::try_hours(n),
            'd' => chrono::Duration::try_days(n),
            _ => None,
        };
        total = total.checked_add(&part.ok_or_else(bad)?).ok_or_else(bad)?;
    }
    if !digits.is_empty() || total <= chrono::Duration::zero() {
        return Err(bad());
    }
    Ok(total)
}

macro_rules! grant_rows {
    ($($t:ty),*) => {$(
        impl Tabular for $t {
            const HEADER: &'static [&'static str] =
                &["ID", "STATUS", "ROLE", "SUBJECT", "SCOPE", "FROM", "UNTIL", "REQUESTED BY", "REASON", "YOU DECIDE"];
            fn cells(&self) -> Vec<String> {
                vec![
                    self.id.clone(),
                    name(&self.status),
                    self.role.clone(),
                    format!("{} {}", self.subject_kind.replace('_', " "), self.subject),
                    self.project.as_deref().map_or("org".to_string(), |p| format!("project {p}")),
                    self.valid_from.clone(),
                    self.valid_until.clone(),
                    self.requested_by.clone(),
                    or_dash(Some(self.reason.as_str())),
                    if self.viewer_can_decide { "yes".into() } else { "no".into() },
                ]
            }
        }
    )*};
}

grant_rows!(
    role_grants::GrantFields,
    grant_temporary_role::GrantFields,
    approve_role_grant::GrantFields,
    reject_role_grant::GrantFields,
    revoke_role_grant::GrantFields
);

pub async fn run(file: Option<PathBuf>, args: GrantArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    if let GrantCommand::Request { reason, .. } = &args.command
        && reason.trim().is_empty()
    {
        return Err(Failure::usage("--reason must not be empty"));
    }
    let session = Session::open(file, args.flags.context).await?;
    let org = session.context.org.clone();
    match args.command {
        GrantCommand::List { pending, all } => {
            let vars = role_grants::Variables { org, open: !all };
            let mut grants = session.run::<client::RoleGrants>(vars).await?.org.role_grants;
            if pending {
                grants.retain(|g| name(&g.status) == "PENDING");
            }
            let empty = if pending { "No grant waits for a decision." } else { "No role grants." };
            output::list(output, &grants, empty)
        }
        GrantCommand::Request { role, project, duration, reason, user, service_account } => {
            let subject = match (user, service_account) {
                (Some(email), _) => grant_temporary_role::SubjectInput {
                    user_email: Some(email),
                    group_id: None,
                    service_account_id: None,
                },
                (None, Some(account)) => grant_temporary_role::SubjectInput {
                    user_email: None,
                    group_id: None,
                    service_account_id: Some(super::access::service_account_id(&session, &account).await?),
                },
                (None, None) => myself(&session).await?,
            };
            let until = (SystemClock.now() + duration).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let input = grant_temporary_role::GrantTemporaryRoleInput {
                org,
                role,
                subject,
                project,
                from: None,
                until,
                reason,
            };
            let made = session.run::<client::GrantTemporaryRole>(grant_temporary_role::Variables { input }).await?;
            let g = made.grant_temporary_role;
            if output == Output::Table && name(&g.status) == "PENDING" {
                output::one(output, &g)?;
                println!("Waiting for someone else who may bind roles: praetor grant approve {}", g.id);
                return Ok(());
            }
            output::one(output, &g)
        }
        GrantCommand::Approve { id, comment } => {
            let done = session.run::<client::ApproveRoleGrant>(approve_role_grant::Variables { id, comment }).await?;
            output::one(output, &done.approve_role_grant)
        }
        GrantCommand::Reject { id, comment } => {
            let done = session.run::<client::RejectRoleGrant>(reject_role_grant::Variables { id, comment }).await?;
            output::one(output, &done.reject_role_grant)
        }
        GrantCommand::Revoke { id, reason } => {
            let done = session.run::<client::RevokeRoleGrant>(revoke_role_grant::Variables { id, reason }).await?;
            output::one(output, &done.revoke_role_grant)
        }
    }
}

/// The signed-in principal as the subject of a grant: a person by e-mail, a service account
/// by id.
async fn myself(session: &Session) -> Result<grant_temporary_role::SubjectInput, Failure> {
    let viewer = session.run::<client::GrantRequester>(grant_requester::Variables).await?.viewer;
    match (viewer.user, viewer.kind) {
        (Some(user), _) => Ok(grant_temporary_role::SubjectInput {
            user_email: Some(user.email),
            group_id: None,
            service_account_id: None,
        }),
        (None, grant_requester::ActorKind::SERVICE_ACCOUNT) => Ok(grant_temporary_role::SubjectInput {
            user_email: None,
            group_id: None,
            service_account_id: Some(viewer.id),
        }),
        (None, _) => Err(Failure::usage("you are neither a person nor a service account: name one with --user")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_add_up_their_parts_and_refuse_the_rest() {
        assert_eq!(parse_duration("90s"), Ok(chrono::Duration::seconds(90)));
        assert_eq!(parse_duration("2h"), Ok(chrono::Duration::hours(2)));
        assert_eq!(parse_duration("1h30m"), Ok(chrono::Duration::minutes(90)));
        assert_eq!(parse_duration("1d"), Ok(chrono::Duration::days(1)));
        for bad in ["", "2", "h", "2x", "0m", "-1h", "1.5h", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
