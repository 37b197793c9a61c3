//! `praetor project list|create`: the organization's projects on the server of the current
//! context.

use std::path::PathBuf;

use super::client::{self, create_project, list_projects};
use super::output::{self, Output, RemoteFlags, Tabular};
use super::remote::{Failure, Session};

#[derive(clap::Args)]
pub struct ProjectArgs {
    #[command(flatten)]
    flags: RemoteFlags,
    #[command(subcommand)]
    command: ProjectCommand,
}

#[derive(clap::Subcommand)]
pub enum ProjectCommand {
    /// The projects you may read, oldest first.
    #[command(after_help = "Examples:\n  praetor project list\n  praetor project list -o json | jq -r '.[].slug'")]
    List {
        /// At most this many (the server caps it).
        #[arg(long, default_value_t = 100)]
        first: i64,
    },
    /// Create a project (needs `project.create` in the organization).
    #[command(after_help = "Example:\n  praetor project create web --name 'Web shop' --description 'The storefront'")]
    Create {
        /// A slug: lowercase letters, digits and dashes.
        slug: String,
        /// Its display name (default: the slug).
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
}

pub async fn run(file: Option<PathBuf>, args: ProjectArgs) -> Result<(), Failure> {
    let output = Output::pick(args.flags.output);
    let session = Session::open(file, args.flags.context).await?;
    let org = session.context.org.clone();
    match args.command {
        ProjectCommand::List { first } => {
            let vars = list_projects::Variables { org, first: Some(first), after: None };
            let data = session.run::<client::ListProjects>(vars).await?;
            output::list(output, &data.org.projects.nodes, "No projects.")?;
        }
        ProjectCommand::Create { slug, name, description } => {
            let name = name.unwrap_or_else(|| slug.clone());
            let input = create_project::CreateProjectInput { org, slug, name, description };
            let made = session.run::<client::CreateProject>(create_project::Variables { input }).await?;
            output::one(output, &made.create_project)?;
        }
    }
    Ok(())
}

macro_rules! project_rows {
    ($($t:ty),*) => {$(
        impl Tabular for $t {
            const HEADER: &'static [&'static str] = &["ID", "SLUG", "NAME", "CREATED", "DESCRIPTION"];
            fn cells(&self) -> Vec<String> {
                vec![
                    self.id.clone(),
                    self.slug.clone(),
                    self.name.clone(),
                    self.created_at.clone(),
                    self.description.clone(),
                ]
            }
        }
    )*};
}

project_rows!(list_projects::ProjectFields, create_project::ProjectFields);
