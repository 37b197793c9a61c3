//! PostgreSQL roles: the server signs in as a role that owns nothing. The tables' owner
//! (`database.migration_url`) migrates and grants that role rows to read and write, and only
//! appending to the audit chain, its signed checkpoints and the plans' event logs, so that the
//! server's own credentials cannot rewrite history or change the schema.

use praetor_tests::*;
use sea_orm::ConnectionTrait;
use serde_json::json;

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
    // What the server does it still may: read every table, write the rest.
    let rows = rt
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT count(*) FROM audit_events".to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(rows.try_get_by_index::<i64>(0).unwrap() > 3);
    rt.execute_unprepared("UPDATE projects SET description = 'still writable'").await.expect("rows are writable");

    // Every entry is as written: the operator's verify, signed in as the server's role, has
    // nothing to migrate and finds the chain whole.
    let (clean, out) = run_praetor(&["audit", "verify", "--org", &app.org], &runtime, &[]);
    assert!(clean, "{out}");
    // A second start grants again (idempotent) and serves.
    let mut app = app;
    app.restart().await;
    let again = app.admin("query($o: String!) { org(slug: $o) { slug } }", json!({"o": app.org})).await;
    assert_eq!(again["org"]["slug"], app.org.as_str());
}
