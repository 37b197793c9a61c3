//! Hardening: depth and complexity limits act before any resolver, bodies are bounded, the
//! checked-in schema is current, production hides introspection and GraphiQL.

use praetor_tests::*;
use serde_json::json;

#[tokio::test]
async fn a_too_deep_mutation_is_rejected_before_it_runs() {
    let app = spawn_with(SpawnOptions { max_depth: Some(5), ..Default::default() }).await;
    let deep = "mutation($o: String!) { createProject(input: {org: $o, slug: \"deep\", name: \"Deep\"}) { org { projects { edges { node { org { slug } } } } } } }";
    let resp = app.gql(Some(&app.admin_key), deep, json!({"o": app.org})).await;
    assert_eq!(code(&resp), "VALIDATION");
    assert!(resp["errors"][0]["message"].as_str().unwrap().contains("nested too deep"), "{resp:#}");
    let check = app
        .admin("query($o: String!) { org(slug: $o) { project(slug: \"deep\") { id } } }", json!({"o": app.org}))
        .await;
    assert!(check["org"]["project"].is_null(), "the mutation's resolver never ran");
}

#[tokio::test]
async fn a_too_complex_query_is_rejected() {
    let app = spawn_with(SpawnOptions { max_complexity: Some(60), ..Default::default() }).await;
    let heavy = "query($o: String!) { org(slug: $o) { projects(first: 100) { edges { node { slug name } } } } }";
    let resp = app.gql(Some(&app.admin_key), heavy, json!({"o": app.org})).await;
    assert_eq!(code(&resp), "VALIDATION");
    assert!(resp["errors"][0]["message"].as_str().unwrap().contains("complex"), "{resp:#}");
    // The same query with a small page is fine.
    let light = "query($o: String!) { org(slug: $o) { projects(first: 5) { edges { node { slug name } } } } }";
    ok(app.gql(Some(&app.admin_key), light, json!({"o": app.org})).await);
}

#[tokio::test]
async fn errors_do_not_suggest_field_names() {
    let app = spawn_app().await;
    let resp = app.gql(Some(&app.admin_key), "{ viewr { name } }", json!({})).await;
    assert_eq!(code(&resp), "VALIDATION");
    assert!(!resp["errors"][0]["message"].as_str().unwrap().contains("viewer"), "{resp:#}");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let r = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_key)
        .json(&json!({"query": "{ viewer { name } }", "variables": {"pad": huge}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "ok");
    let r: serde_json::Value = app.client.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["status"], "ready");
    assert_eq!(r["database"], if is_postgres() { "postgres" } else { "sqlite" });
    let ui = app.client.get(app.url("/")).send().await.unwrap();
    assert!(ui.text().await.unwrap().contains("<title>Praetor</title>"));
}

#[tokio::test]
async fn production_mode_hides_introspection_and_graphiql() {
    let dev = spawn_app().await;
    let r = dev.client.get(dev.url("/graphql")).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("GraphiQL"));
    ok(dev.gql(Some(&dev.admin_key), "{ __schema { queryType { name } } }", json!({})).await);

    let prod = spawn_with(SpawnOptions { production: true, ..Default::default() }).await;
    assert_eq!(prod.client.get(prod.url("/graphql")).send().await.unwrap().status(), 404);
    let resp = prod.gql(Some(&prod.admin_key), "{ __schema { queryType { name } } }", json!({})).await;
    assert!(resp["data"]["__schema"].is_null(), "{resp:#}");
}

#[test]
fn checked_in_schema_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/schema.graphql");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == praetor::graphql::sdl(),
        "api/schema.graphql is stale: run `cargo run -p praetor -- schema > api/schema.graphql`"
    );
}
