//! The remote command line on an organization's own matters, run as the real binary against a
//! running server: organizations, temporary role grants, policy proposals a second person
//! approves, `audit remote export` (line for line the database's export), and `plan watch`'s
//! progress line on a terminal.

use std::process::Stdio;
use std::time::Duration;

use praetor_tests::*;
use serde_json::Value;

use crate::remote_cli::{Terminal, plan_file};

#[tokio::test]
async fn organizations_from_the_terminal() {
    let app = spawn_app().await;
    app.project("web").await;
    app.project("ops").await;
    let (viewer_key, _) = app.user_with_role("viewer", None).await;
    let term = Terminal::new();
    term.login(&app, "viewer", &viewer_key).await;
    term.login(&app, "admin", &app.admin_key).await;

    // A key is bound to its organization: that one is listed, and marked as the context's.
    let listed = term.json(&["org", "list"]).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(
        (listed[0]["slug"].as_str(), listed[0]["id"].as_str(), listed[0]["current"].as_bool()),
        (Some(app.org.as_str()), Some(app.org_id.as_str()), Some(true)),
        "{listed}"
    );
    let (code, table, _) = term.run(&["org", "list", "-o", "table"]).await;
    assert_eq!(code, 0);
    assert!(table.lines().nth(1).is_some_and(|l| l.starts_with('*') && l.contains(&app.org)), "{table}");

    app.group("leads", &[]).await;
    let got = term.json(&["org", "get"]).await;
    assert_eq!((got["slug"].as_str(), got["id"].as_str()), (Some(app.org.as_str()), Some(app.org_id.as_str())));
    let counts = &got["counts"];
    assert_eq!((counts["projects"].as_i64(), counts["groups"].as_i64()), (Some(2), Some(1)), "{got}");
    assert_eq!((counts["members"].as_i64(), counts["serviceAccounts"].as_i64()), (Some(2), Some(0)), "{got}");
    assert_eq!((counts["pendingPolicyProposals"].as_i64(), counts["openRoleGrants"].as_i64()), (Some(0), Some(0)));
    assert_eq!(got["countsTruncated"], serde_json::json!([]));
    // A viewer sees what a viewer may read; the kinds it may not are null, not a refusal.
    let seen = term.json(&["org", "get", "--context", "viewer"]).await;
    assert_eq!((seen["counts"]["projects"].as_i64(), &seen["counts"]["groups"]), (Some(2), &Value::Null), "{seen}");
    let (code, page, _) = term.run(&["org", "get", &app.org, "-o", "table"]).await;
    assert_eq!(code, 0);
    let words = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert!(page.starts_with(&format!("{} (", app.org)), "{page}");
    assert!(page.lines().any(|l| words(l) == ["id:", app.org_id.as_str()]), "{page}");
    assert!(page.lines().any(|l| words(l) == ["projects:", "2"]), "{page}");
    let (_, page, _) = term.run(&["org", "get", "--context", "viewer", "-o", "table"]).await;
    assert!(page.lines().any(|l| words(l) == ["groups:", "-", "(you", "may", "not", "read", "them)"]), "{page}");
    let (_, yaml, _) = term.run(&["org", "get", "-o", "yaml"]).await;
    let from_yaml: Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(from_yaml["counts"], got["counts"], "{yaml}");

    // Another organization, or none: refused with the code first.
    let (other, _) = other_org(&app).await;
    for slug in [other.as_str(), "no-such-org"] {
        let (code, _, stderr) = term.run(&["org", "get", slug]).await;
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.starts_with("error: NOT_FOUND") || stderr.starts_with("error: FORBIDDEN"), "{stderr}");
    }
    let (code, _, _) = term.run(&["org", "get", "a", "b"]).await;
    assert_eq!(code, 2);
}

/// An organization policy under which grants need a second person.
fn reviewed_grants(org: &str) -> String {
    format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: jit, org: {org} }}\nspec:\n  \
         grants: {{ maxDuration: 8h, requireApproval: true }}\n"
    )
}

#[tokio::test]
async fn temporary_role_grants_from_the_terminal() {
    let app = spawn_app().await;
    app.project("web").await;
    let (dana_key, dana) = app.user_with_role("viewer", None).await;
    let (second_key, _) = app.user_with_role("org_admin", None).await;
    let term = Terminal::new();
    term.login(&app, "dana", &dana_key).await;
    term.login(&app, "second", &second_key).await;
    term.login(&app, "admin", &app.admin_key).await;
    term.json(&["policy", "remote", "apply", &term.file("jit.yaml", &reviewed_grants(&app.org))]).await;

    // dana asks for herself: it waits for someone else, for as long as she asked.
    let ask =
        ["grant", "request", "--role", "operator", "--project", "web", "--for", "1h30m", "--reason", "incident 42"];
    let mine = term.json(&[&ask[..], &["--context", "dana"]].concat()).await;
    assert_eq!(
        (mine["status"].as_str(), mine["subject"].as_str(), mine["project"].as_str(), mine["requestedBy"].as_str()),
        (Some("PENDING"), Some(dana.as_str()), Some("web"), Some(dana.as_str())),
        "{mine}"
    );
    let id = mine["id"].as_str().unwrap().to_string();
    let at = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    let asked = at(&mine["validUntil"]) - at(&mine["validFrom"]);
    assert!((asked - chrono::Duration::minutes(90)).num_seconds().abs() < 60, "{mine}");

    let pending = term.json(&["grant", "list", "--pending"]).await;
    assert_eq!(pending.as_array().map(Vec::len), Some(1), "{pending}");
    assert_eq!((pending[0]["id"].as_str(), pending[0]["viewerCanDecide"].as_bool()), (Some(id.as_str()), Some(true)));
    let (_, table, _) = term.run(&["grant", "list", "--pending", "-o", "table"]).await;
    assert!(table.starts_with("ID") && table.lines().any(|l| l.starts_with(&id) && l.contains("PENDING")), "{table}");
    let (_, yaml, _) = term.run(&["grant", "list", "--pending", "-o", "yaml"]).await;
    assert_eq!(serde_saphyr::from_str::<Value>(&yaml).unwrap(), pending, "{yaml}");
    // She may not approve her own request, nor ask for someone else.
    let (code, _, stderr) = term.run(&["grant", "approve", &id, "--context", "dana"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: FORBIDDEN"), "{stderr}");
    let for_admin = [&ask[..], &["--user", app.admin_email.as_str(), "--context", "dana"]].concat();
    let (code, _, stderr) = term.run(&for_admin).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: FORBIDDEN"), "{stderr}");
    let approved = term.json(&["grant", "approve", &id, "--comment", "on call"]).await;
    assert_eq!(
        (approved["status"].as_str(), approved["decidedBy"].as_str()),
        (Some("ACTIVE"), Some(app.admin_email.as_str())),
        "{approved}"
    );
    assert_eq!(term.json(&["grant", "list", "--pending"]).await, serde_json::json!([]));
    let (code, stdout, _) = term.run(&["grant", "list", "--pending", "-o", "table"]).await;
    assert_eq!((code, stdout.trim()), (0, "No grant waits for a decision."));

    // The administrator gives carol a role: policy asks for a second person, so it waits, the
    // administrator may not approve it, and the second administrator does.
    let carol = format!("{}@it.test", unique("carol"));
    let give =
        ["grant", "request", "--role", "approver", "--for", "2h", "--reason", "release", "--user", carol.as_str()];
    let given = term.json(&give).await;
    assert_eq!((given["status"].as_str(), given["subject"].as_str()), (Some("PENDING"), Some(carol.as_str())));
    let given_id = given["id"].as_str().unwrap();
    let (code, _, stderr) = term.run(&["grant", "approve", given_id]).await;
    assert_eq!(code, 1, "its requester: {stderr}");
    assert!(stderr.starts_with("error: FORBIDDEN"), "{stderr}");
    let second = term.json(&["grant", "approve", given_id, "--context", "second"]).await;
    assert_eq!(second["status"], "ACTIVE", "{second}");

    // Revoked early by the second administrator: no longer open, listed with --all.
    let revoked = term.json(&["grant", "revoke", &id, "--reason", "incident closed", "--context", "second"]).await;
    assert_eq!(revoked["status"], "REVOKED", "{revoked}");
    let open = term.json(&["grant", "list"]).await;
    let ids: Vec<&str> = open.as_array().unwrap().iter().filter_map(|g| g["id"].as_str()).collect();
    assert_eq!(ids, [given_id], "{open}");
    let all = term.json(&["grant", "list", "--all"]).await;
    assert!(all.as_array().unwrap().iter().any(|g| g["id"] == id.as_str() && g["status"] == "REVOKED"), "{all}");
    // Asked again and rejected.
    let again = term.json(&[&ask[..], &["--context", "dana"]].concat()).await;
    let rejected = term.json(&["grant", "reject", again["id"].as_str().unwrap(), "--comment", "use the runbook"]).await;
    assert_eq!(rejected["status"], "REJECTED", "{rejected}");

    for args in [
        &["grant", "request", "--role", "operator", "--for", "2x", "--reason", "x"][..],
        &["grant", "request", "--role", "operator", "--for", "1h", "--reason", " "],
        &["grant", "request", "--role", "operator", "--reason", "x"],
        &["grant", "list", "--pending", "--all"],
        &["grant", "approve"],
    ] {
        let (code, _, stderr) = term.run(args).await;
        assert_eq!(code, 2, "praetor {args:?}: {stderr}");
    }
}

/// The organization's policy: changes reviewed by a second person, and a daily budget.
fn reviewed_policy(org: &str, daily: u32) -> String {
    format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: base, org: {org} }}\nspec:\n  \
         policyChanges: {{ requireApproval: true }}\n  budget: {{ daily: {daily}, unit: USD }}\n"
    )
}

#[tokio::test]
async fn policy_proposals_from_the_terminal() {
    let app = spawn_app().await;
    let (second_key, second) = app.user_with_role("org_admin", None).await;
    let term = Terminal::new();
    term.login(&app, "second", &second_key).await;
    term.login(&app, "admin", &app.admin_key).await;
    // Switching reviews on is in force at once.
    let first =
        term.json(&["policy", "remote", "apply", &term.file("base.yaml", &reviewed_policy(&app.org, 100))]).await;
    assert_eq!((first["versions"][0]["version"].as_i64(), &first["pendingProposal"]), (Some(1), &Value::Null));

    // A change now waits: exit 1 with APPROVAL_REQUIRED naming the proposal; the answer is
    // still printed for scripts.
    let more = term.file("base.yaml", &reviewed_policy(&app.org, 200));
    let (code, stdout, stderr) = term.run(&["policy", "remote", "apply", &more, "--comment", "more budget"]).await;
    assert_eq!(code, 1, "{stdout}{stderr}");
    let kept: Value = serde_json::from_str(&stdout).unwrap();
    let id = kept["pendingProposal"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("pch_") && kept["versions"] == serde_json::json!([]), "{kept}");
    assert!(stderr.starts_with("error: APPROVAL_REQUIRED") && stderr.contains(&id), "{stderr}");

    let listed = term.json(&["policy", "remote", "proposals", "--context", "second"]).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(
        (listed[0]["id"].as_str(), listed[0]["status"].as_str(), listed[0]["viewerCanApprove"].as_bool()),
        (Some(id.as_str()), Some("PENDING"), Some(true)),
        "{listed}"
    );
    assert_eq!(listed[0]["comment"], "more budget");
    let (code, table, _) = term.run(&["policy", "remote", "proposals", "--diff", "-o", "table"]).await;
    assert_eq!(code, 0);
    assert!(
        table.lines().nth(1).is_some_and(|l| l.starts_with(&id) && l.contains("no: You cannot approve your own")),
        "{table}"
    );
    assert!(
        table.contains("-  budget: { daily: 100, unit: USD }")
            && table.contains("+  budget: { daily: 200, unit: USD }"),
        "{table}"
    );
    assert_eq!(term.json(&["org", "get"]).await["counts"]["pendingPolicyProposals"], 1);

    // Its proposer may not approve it; the second administrator does, and version 2 is in force.
    let (code, _, stderr) = term.run(&["policy", "remote", "approve-proposal", &id]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: FORBIDDEN"), "{stderr}");
    let approved = term
        .json(&["policy", "remote", "approve-proposal", &id, "--comment", "looks right", "--context", "second"])
        .await;
    assert_eq!(
        (approved["proposal"]["status"].as_str(), approved["proposal"]["decisionComment"].as_str()),
        (Some("APPLIED"), Some("looks right")),
        "{approved}"
    );
    assert_eq!(approved["proposal"]["decidedBy"][0]["name"], second.as_str());
    assert_eq!(approved["versions"][0]["version"], 2, "{approved}");
    assert_eq!(approved["versions"][0]["author"][0]["name"], app.admin_email.as_str(), "authored by its proposer");
    let (code, _, stderr) = term.run(&["policy", "remote", "approve-proposal", &id, "--context", "second"]).await;
    assert_eq!(code, 1, "no longer pending: {stderr}");
    assert!(stderr.starts_with("error: CONFLICT"), "{stderr}");

    // Another change, as a table; rejected by the second administrator.
    let (code, stdout, stderr) = term
        .run(&["policy", "remote", "apply", &term.file("base.yaml", &reviewed_policy(&app.org, 300)), "-o", "table"])
        .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("Kept for a second person's approval: proposal pch_"), "{stdout}");
    let other = term.json(&["policy", "remote", "proposals"]).await[0]["id"].as_str().unwrap().to_string();
    assert!(stderr.contains(&other), "{stderr}");
    let (code, stdout, _) = term
        .run(&["policy", "remote", "reject-proposal", &other, "--comment", "no", "--context", "second", "-o", "table"])
        .await;
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), format!("Proposal {other} (the organization's policy) is REJECTED."));
    assert_eq!(term.json(&["policy", "remote", "proposals"]).await, serde_json::json!([]));
    let all = term.json(&["policy", "remote", "proposals", "--all"]).await;
    let statuses: Vec<&str> = all.as_array().unwrap().iter().filter_map(|p| p["status"].as_str()).collect();
    assert_eq!(statuses, ["REJECTED", "APPLIED"], "newest first: {all}");
    let versions = term.json(&["policy", "remote", "versions"]).await;
    assert_eq!(versions[0]["version"], 2, "the rejected change is not in force: {versions}");
}

#[tokio::test]
async fn the_audit_chain_exported_from_the_server_is_the_one_on_the_database() {
    let app = spawn_app().await;
    // More than one page of the API's (100).
    for i in 0..110 {
        app.project(&format!("p{i}")).await;
    }
    // An operator of one project may not read the organization's audit log.
    let (operator_key, _) = app.user_with_role("operator", Some("p0")).await;
    let term = Terminal::new();
    term.login(&app, "operator", &operator_key).await;
    term.login(&app, "admin", &app.admin_key).await;

    let (code, remote, stderr) = term.run(&["audit", "remote", "export"]).await;
    assert_eq!(code, 0, "{stderr}");
    let local = praetor_command()
        .args(["audit", "export", "--org", &app.org])
        .env("PRAETOR_DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(local.status.success(), "{}", String::from_utf8_lossy(&local.stderr));
    let local = String::from_utf8(local.stdout).unwrap();
    let lines: Vec<&str> = remote.lines().collect();
    assert!(lines.len() > 111, "{} entries", lines.len());
    // Line for line what the database export writes (which may have grown since).
    let local_lines: Vec<&str> = local.lines().collect();
    assert_eq!(lines[..], local_lines[..lines.len()]);
    let entries: Vec<Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    for (i, pair) in entries.windows(2).enumerate() {
        assert_eq!(pair[0]["seq"], i as i64 + 1);
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"], "the chain links");
    }

    // A slice, as one JSON array, into a file.
    let out = term.dir.path().join("slice.json");
    let (code, _, stderr) = term
        .run(&[
            "audit",
            "remote",
            "export",
            "--from",
            "99",
            "--to",
            "102",
            "-o",
            "json",
            "--out",
            out.to_str().unwrap(),
        ])
        .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.trim(), "exported 4 entries");
    let slice: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(slice, Value::Array(entries[98..102].to_vec()));
    let (code, tail, _) = term.run(&["audit", "remote", "export", "--from", &lines.len().to_string()]).await;
    assert_eq!((code, tail.lines().collect::<Vec<_>>()), (0, vec![lines[lines.len() - 1]]));

    let (code, _, stderr) = term.run(&["audit", "remote", "export", "--context", "operator"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: FORBIDDEN"), "{stderr}");
    for args in [
        &["audit", "remote", "export", "--from", "0"][..],
        &["audit", "remote", "export", "--from", "5", "--to", "4"],
        &["audit", "remote", "export", "-o", "yaml"],
    ] {
        let (code, _, stderr) = term.run(args).await;
        assert_eq!(code, 2, "praetor {args:?}: {stderr}");
    }
}

#[tokio::test]
async fn plan_watch_on_a_terminal_draws_its_progress_in_place() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to give the watch a terminal");
        return;
    }
    let app = spawn_app().await;
    app.project("web").await;
    let term = Terminal::new();
    term.login(&app, "admin", &app.admin_key).await;
    let steps = "  - { id: a, action: state.set, params: { key: a, value: 1 } }\n  \
                 - { id: b, action: state.set, params: { key: b, value: 2 } }\n";
    let plan = term.json(&["plan", "propose", "-f", &term.file("plan.yaml", &plan_file("Two", steps, true))]).await;
    let id = plan["id"].as_str().unwrap();
    // `script` runs the watch on a pseudo-terminal.
    let command = format!("{} plan watch {id}", praetor_bin().display());
    let out = tokio::process::Command::new("script")
        .args(["-q", "-e", "-c", command.as_str(), "/dev/null"])
        .env("PRAETOR_CLIENT_CONFIG", term.config())
        .env("PRAETOR_SECRETS__MASTER_KEY_FILE", test_master_key_file())
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), out).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    // The progress line is erased before each event and drawn again under it, then stays.
    assert!(text.contains("\r\x1b[2K") && text.contains("0/2 steps"), "{text:?}");
    assert!(text.contains(&format!("[{}] 2/2 steps  SUCCEEDED", "#".repeat(24))), "{text:?}");
    assert!(text.contains(&format!("Plan {id} ended SUCCEEDED.")), "{text:?}");
}
