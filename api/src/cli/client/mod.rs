//! The typed GraphQL client of the remote commands. Each operation in the `.graphql` documents
//! beside this file is checked against `api/schema.graphql` when the binary compiles and gets
//! Rust types for its variables and its answer (`graphql_client`'s derive): a schema change
//! that breaks an operation the command line sends fails the build, not a user's command.
//! [`super::remote::Session::run`] sends one.

use graphql_client::GraphQLQuery;

/// The schema's custom scalars as the command line reads them: times are shown as the server
/// wrote them, JSON stays JSON.
pub mod scalars {
    pub type DateTime = String;
    // Named as the schema names it: the generated code refers to it so.
    #[allow(clippy::upper_case_acronyms)]
    pub type JSON = serde_json::Value;
}

/// The derive reads the schema without telling cargo about it; including it here makes an
/// edited schema recompile (and so re-check) the operations.
const _SCHEMA: &str = include_str!("../../../schema.graphql");

/// One operation of `$file` (relative to `api/`), named as in the document.
macro_rules! operation {
    ($name:ident, $file:tt) => {
        #[derive(GraphQLQuery)]
        #[graphql(
                                                    schema_path = "schema.graphql",
                                                    query_path = $file,
                                                    custom_scalars_module = "crate::client::scalars",
                                                    response_derives = "Debug, Clone, PartialEq, Serialize",
                                                    variables_derives = "Debug, Clone"
                                                )]
        pub struct $name;
    };
}

operation!(Viewer, "src/cli/client/viewer.graphql");

operation!(ProjectSchedules, "src/cli/client/schedules.graphql");
operation!(CreateSchedule, "src/cli/client/schedules.graphql");
operation!(PauseSchedule, "src/cli/client/schedules.graphql");
operation!(ResumeSchedule, "src/cli/client/schedules.graphql");
operation!(DeleteSchedule, "src/cli/client/schedules.graphql");
