//! `praetor key list|create|revoke`: the organization's API keys on the server of the current
//! context. A new key's secret is printed once, to standard output only; the server never shows
//! it again.

use std::path::PathBuf;

use super::client::{self, api_keys, create_api_key, revoke_api_key};
use super::output::{self, Output, RemoteFlags, Tabular, name, or_dash};
use super::remote::{Failure, Session};

#[derive(clap::Args)]
pub struct KeyArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: KeyCommand,
}

#[derive(clap::Subcommand)]
pub enum KeyCommand {
    /// The organization's keys: yours, and every key with `api_key.read`.
    #[command(
        after_help = "Examples:\n  praetor key list\n  praetor key list -o json | jq '.[] | select(.revokedAt == null)'"
    )]
    List,
    /// A new key: your own, or a service account's (`--service-account`, needs
    /// `api_key.create`). The secret is printed once.
    #[command(after_help = "Examples:\n  praetor key create laptop\n  \
                            praetor key create ci-deploy --service-account deployer --expires-at 2027-06-30T00:00:00Z -o json | jq -r .secret")]
    Create {
        name: String,
        /// The service account's name (default: a personal key of the caller).
        #[arg(long)]
        service_account: Option<String>,
        /// RFC 3339; no later than your credential or the account's key policy allows.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// Revoke a key (yours, or any with `api_key.revoke`): it stops working at once, on every
    /// connection using it.
    #[command(after_help = "Example:\n  praetor key revoke key_0190…")]
    Revoke { id: String },
}

macro_rules! key_rows {
    ($($t:ty),*) => {$(
        impl Tabular for $t {
            const HEADER: &'static [&'static str] = &["ID", "NAME", "PREFIX", "OWNER", "CREATED", "EXPIRES", "LAST USED", "REVOKED"];
            fn cells(&self) -> Vec<String> {
                vec![
                    self.id.clone(),
                    self.name.clone(),
                    self.prefix.clone(),
                    format!("{} {}", name(&self.owner_kind).to_lowercase(), self.owner_id),
                    self.created_at.clone(),
                    or_dash(self.expires_at.as_deref()),
                    or_dash(self.last_used_at.as_deref()),
                    or_dash(self.revoked_at.as_deref()),
                ]
            }
        }
    )*};
}

key_rows!(api_keys::KeyFields, revoke_api_key::KeyFields, create_api_key::KeyFields);

pub async fn run(file: Option<PathBuf>, args: KeyArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    let session = Session::open(file, args.flags.context).await?;
    let org = session.context.org.clone();
    match args.command {
        KeyCommand::List => {
            let mut all = Vec::new();
            let mut after = None;
            loop {
                let vars = api_keys::Variables { org: org.clone(), after };
                let page = session.run::<client::ApiKeys>(vars).await?.org.api_keys;
                all.extend(page.nodes);
                match page.page_info.end_cursor.filter(|_| page.page_info.has_next_page) {
                    Some(cursor) => after = Some(cursor),
                    None => break,
                }
            }
            output::list(output, &all, "No API keys.")
        }
        KeyCommand::Create { name, service_account, expires_at } => {
            let service_account_id = match service_account {
                Some(account) => Some(super::access::service_account_id(&session, &account).await?),
                None => None,
            };
            let input = create_api_key::CreateApiKeyInput { org, name, service_account_id, expires_at };
            let made = session.run::<client::CreateApiKey>(create_api_key::Variables { input }).await?.create_api_key;
            match output {
                Output::Table => {
                    println!("{}", made.secret);
                    eprintln!(
                        "key {} ({}): the secret above is shown once; keep it now",
                        made.api_key.id, made.api_key.name
                    );
                    Ok(())
                }
                _ => {
                    println!("{}", output::document(output, &made)?.trim_end());
                    Ok(())
                }
            }
        }
        KeyCommand::Revoke { id } => {
            let done = session.run::<client::RevokeApiKey>(revoke_api_key::Variables { id }).await?;
            output::one(output, &done.revoke_api_key)
        }
    }
}
