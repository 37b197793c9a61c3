//! PostgreSQL roles: the server signs in as a role that owns nothing. The tables' owner
//! (`database.migration_url`) migrates and grants that role rows to read and write, and only
//! appending to the audit chain, its signed checkpoints and the plans' event logs, so that the
//! server's own credentials cannot rewrite history or change the schema.

use praetor_tests::*;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait};
use serde_json::json;

/// What a transaction sets before its statements.
enum Scope {
    /// `praetor.org_id`: this organization's rows.
    Org(String),
    /// `praetor.across`: every organization's, for the housekeeping job named.
    Across(&'static str),
}

/// A transaction of `db` with `scope` set in it as the server sets it.
async fn in_scope(db: &DatabaseConnection, scope: &Scope) -> DatabaseTransaction {
    let txn = db.begin().await.unwrap();
    let (org, across) = match scope {
        Scope::Org(o) => (o.as_str(), ""),
        Scope::Across(why) => ("", *why),
    };
    txn.execute_unprepared(&format!(
        "SELECT set_config('praetor.org_id', '{org}', true), set_config('praetor.across', '{across}', true)"
    ))
    .await
    .unwrap();
    txn
}

/// One number `sql` answers.
async fn number<C: ConnectionTrait>(db: &C, sql: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, sql.to_string()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .expect("a row");
    row.try_get_by_index::<i64>(0).unwrap()
}

/// The rows of `table` a statement sees in `scope` (none set: `None`).
async fn count_as(db: &DatabaseConnection, scope: Option<&Scope>, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    match scope {
        None => number(db, &sql).await,
        Some(s) => {
            let txn = in_scope(db, s).await;
            let n = number(&txn, &sql).await;
            txn.rollback().await.unwrap();
            n
        }
    }
}

#[tokio::test]
async fn the_server_runs_as_a_role_that_owns_nothing_and_cannot_rewrite_history() {
    let Some(owner_url) = own_database().await else {
        eprintln!("PostgreSQL only: SQLite has no roles");
        return;
    };
    let role = format!("praetor_rt_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let owner = sea_orm::Database::connect(&owner_url).await.expect("owner");
    owner.execute_unprepared(&format!("CREATE ROLE {role} LOGIN")).await.expect("create role");
    let mut runtime = reqwest::Url::parse(&owner_url).unwrap();
    runtime.set_username(&role).unwrap();
    runtime.set_password(None).unwrap();
    let runtime = runtime.to_string();

    let app = spawn_with(SpawnOptions {
        database_url: Some(runtime.clone()),
        migration_url: Some(owner_url.clone()),
        ..Default::default()
    })
    .await;
    app.project("web").await;
    let p = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "state.set", "params": {"key": "k", "value": 1}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    wait_for_status(&app, &app.admin_key, p["id"].as_str().unwrap(), "SUCCEEDED").await;
    let made =
        app.admin("mutation($o: String!) { createAuditCheckpoint(org: $o) { seq } }", json!({"o": app.org})).await;
    assert!(made["createAuditCheckpoint"]["seq"].as_i64().unwrap() > 0, "{made}");

    // As the server's role: history and the schema are out of reach.
    let rt = sea_orm::Database::connect(&runtime).await.expect("runtime role");
    for sql in [
        "DELETE FROM audit_events",
        "UPDATE audit_events SET payload = '{}'",
        "TRUNCATE audit_events",
        "DELETE FROM plan_events",
        "UPDATE plan_events SET org_id = org_id",
        "UPDATE audit_checkpoints SET signature = 'forged'",
        "DELETE FROM audit_checkpoints",
        "DELETE FROM seaql_migrations",
        "DROP TABLE plans",
        "ALTER TABLE audit_events DISABLE TRIGGER ALL",
        "CREATE TABLE intruder (a int)",
    ] {
        let err = rt.execute_unprepared(sql).await.expect_err(sql).to_string();
        assert!(err.contains("permission denied") || err.contains("must be owner"), "{sql}: {err}");
    }
    // What the server does it still may, in its organization's scope: read every table,
    // write the rest. Without the scope row security shows it nothing.
    assert_eq!(count_as(&rt, None, "audit_events").await, 0, "no organization set: no rows");
    let org = Scope::Org(app.org_id.parse::<praetor_store::OrgId>().unwrap().as_uuid().to_string());
    assert!(count_as(&rt, Some(&org), "audit_events").await > 3);
    let txn = in_scope(&rt, &org).await;
    let updated = txn.execute_unprepared("UPDATE projects SET description = 'still writable'").await.unwrap();
    assert!(updated.rows_affected() > 0, "rows are writable");
    txn.commit().await.unwrap();

    // Every entry is as written: the operator's verify, signed in as the server's role, has
    // nothing to migrate and finds the chain whole.
    let (clean, out) = run_praetor(&["audit", "verify", "--org", &app.org], &runtime, &[]).await;
    assert!(clean, "{out}");
    // A second start grants again (idempotent) and serves.
    let mut app = app;
    app.restart().await;
    let again = app.admin("query($o: String!) { org(slug: $o) { slug } }", json!({"o": app.org})).await;
    assert_eq!(again["org"]["slug"], app.org.as_str());
}

/// Row-level security, one case per tenant table: the table has it enabled and forced, with
/// the policy on its organization column; signed in as the server's role, a statement that
/// sets no organization sees none of its rows, one that sets another organization's sees none,
/// one that sets the owner's sees exactly the owner's, and one naming a housekeeping job sees
/// them all. Every table with an `org_id` column is one of them.
#[tokio::test]
async fn every_tenant_table_shows_a_statement_only_the_organization_it_sets() {
    let Some(url) = own_database().await else {
        eprintln!("PostgreSQL only: SQLite has no row-level security");
        return;
    };
    // Webhooks may name loopback (the endpoint below; nothing listens there).
    let app =
        spawn_with(SpawnOptions { database_url: Some(url), allow_private_networks: true, ..Default::default() }).await;
    let other = spawn_with(SpawnOptions {
        database_url: Some(app.owner_url.clone()),
        allow_private_networks: true,
        ..Default::default()
    })
    .await;
    // Rows in the tables a short working day fills: a plan run, policies applied, a
    // checkpoint signed, people, a group, a service account, a secret, a webhook endpoint and
    // its deliveries, an invitation.
    for a in [&app, &other] {
        a.project("scratch").await;
        let steps = json!([{"action": "state.set", "params": {"key": "k", "value": 1}}]);
        let p = propose(a, &a.admin_key, "scratch", steps, json!({"runWhenApproved": true})).await;
        wait_for_status(a, &a.admin_key, p["id"].as_str().unwrap(), "SUCCEEDED").await;
        a.with_example_policies().await;
        let (_, lead) = a.user_with_role("approver", None).await;
        a.group("leads", &[&lead]).await;
        a.service_account_with_role("bot", "operator").await;
        a.admin(
            "mutation($in: SetSecretInput!) { setSecret(input: $in) { name } }",
            json!({"in": {"org": a.org, "name": "token", "value": "s3cret"}}),
        )
        .await;
        a.admin(
            "mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { secret } }",
            json!({"in": {"org": a.org, "url": "http://127.0.0.1:9/in", "events": ["plan.proposed"], "description": "rls"}}),
        )
        .await;
        a.admin(
            "mutation($in: InviteMemberInput!) { inviteMember(input: $in) { link } }",
            json!({"in": {"org": a.org, "email": format!("{}@it.test", unique("new")), "role": "viewer"}}),
        )
        .await;
        let p = propose(
            a,
            &a.admin_key,
            "scratch",
            json!([{"action": "state.set", "params": {"key": "j", "value": 2}}]),
            json!({}),
        )
        .await;
        assert!(p["id"].is_string(), "{p}");
        a.admin("mutation($o: String!) { createAuditCheckpoint(org: $o) { seq } }", json!({"o": a.org})).await;
    }
    // The tables this leaves rows of the test's organization in: a case on them shows what a
    // statement in each scope sees; the rest are checked for their policy only.
    let filled = [
        "orgs",
        "projects",
        "groups",
        "group_members",
        "service_accounts",
        "api_keys",
        "role_bindings",
        "audit_events",
        "audit_heads",
        "policy_versions",
        "plans",
        "plan_events",
        "project_states",
        "decisions",
        "invitations",
        "data_keys",
        "secrets",
        "webhook_endpoints",
        "webhook_deliveries",
        "audit_checkpoints",
    ];
    assert!(app.database_url.contains(RUNTIME_ROLE), "the server signs in as {RUNTIME_ROLE}");
    let owner = app.owner().await;
    let rt = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let org = app.org_id.parse::<praetor_store::OrgId>().unwrap().as_uuid().to_string();
    let stranger = uuid::Uuid::new_v4().to_string();

    let tables = praetor_store::tenant_tables();
    assert_eq!(
        tables.iter().map(|(t, c)| (t.as_str(), *c)).collect::<Vec<_>>(),
        praetor_migration::m20261207_000022_row_level_security::TENANT_TABLES.to_vec(),
        "the store's tenant tables are the migration's"
    );
    let mut failures = Vec::new();
    let mut empty = Vec::new();
    for (table, column) in &tables {
        let case = async {
            let secured = number(
                &owner,
                &format!(
                    "SELECT count(*) FROM pg_class c JOIN pg_policies p ON p.tablename = c.relname \
                     WHERE c.relname = '{table}' AND c.relrowsecurity AND c.relforcerowsecurity \
                     AND p.policyname = 'tenant_isolation' AND p.cmd = 'ALL' AND p.qual LIKE '(({column} = %'"
                ),
            )
            .await;
            if secured != 1 {
                return Err("row-level security is not enabled and forced with its policy".to_string());
            }
            let total = number(&owner, &format!("SELECT count(*) FROM {table}")).await;
            let mine = number(&owner, &format!("SELECT count(*) FROM {table} WHERE {column} = '{org}'")).await;
            let seen = [
                ("no organization", None, 0),
                ("another organization", Some(Scope::Org(stranger.clone())), 0),
                ("its organization", Some(Scope::Org(org.clone())), mine),
                ("a housekeeping job", Some(Scope::Across("sweep")), total),
            ];
            for (what, scope, want) in seen {
                let got = count_as(&rt, scope.as_ref(), table).await;
                if got != want {
                    return Err(format!("with {what} set a statement sees {got} rows, not {want}"));
                }
            }
            Ok(mine)
        };
        match case.await {
            Ok(0) => empty.push(table.clone()),
            Ok(_) => {}
            Err(e) => failures.push(format!("{table}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // A case proves nothing of a table with no rows of the organization: the day filled these.
    let unfilled: Vec<_> = filled.iter().filter(|t| empty.iter().any(|e| e == *t)).collect();
    assert!(unfilled.is_empty(), "no rows of the organization in {unfilled:?}");
    eprintln!("tables without rows of the test's organization (policy checked only): {empty:?}");

    // A row moved to another organization is refused, not hidden.
    let txn = in_scope(&rt, &Scope::Org(org.clone())).await;
    let err = txn
        .execute_unprepared(&format!("UPDATE projects SET org_id = '{stranger}' WHERE org_id = '{org}'"))
        .await
        .expect_err("a row may not leave its organization")
        .to_string();
    assert!(err.contains("row-level security"), "{err}");
    txn.rollback().await.ok();

    // Every table that names an organization is one of them, but for two shared ones.
    let named = owner
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT table_name::text FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'org_id'"
                .to_string(),
        ))
        .await
        .unwrap();
    for row in named {
        let t: String = row.try_get_by_index(0).unwrap();
        // Two shared tables name one optionally: a person's session its current organization,
        // a kill switch the one it stops (an instance-wide switch none).
        let shared = ["user_sessions", "kill_switches"];
        assert!(
            tables.iter().any(|(x, _)| *x == t) || shared.contains(&t.as_str()),
            "{t} names an organization but is not a tenant table"
        );
    }
}
