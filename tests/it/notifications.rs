//! Notifications: who is told what, in the app (live over the subscription) and by e-mail
//! through a real SMTP server (aiosmtpd, from PyPI, started here).

use std::path::PathBuf;
use std::time::Duration;

use praetor_tests::ws::Subscription;
use praetor_tests::*;
use serde_json::{Value, json};

const MARK: &str = "mutation($in: MarkNotificationsReadInput!) { markNotificationsRead(input: $in) }";

async fn unread(app: &TestApp, key: &str) -> i64 {
    ok(app.gql(Some(key), NOTIFICATIONS, json!({})).await)["viewer"]["unreadNotifications"].as_i64().unwrap()
}

fn kinds(notes: &[Value]) -> Vec<&str> {
    notes.iter().map(|n| n["kind"].as_str().unwrap_or_default()).collect()
}

const POLICY: &str = r#"
apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: reviewed, org: "ORG" }
spec:
  grants: { maxDuration: 8h, requireApproval: true }
  rules:
    - { name: reviewed, actions: ["state.set"], effect: require_approval, approvals: [{ group: leads }] }
"#;

/// A project `web`, a proposer (bob), two approvers in `leads` (carol, dave), a viewer outside
/// it (erin), under a policy that sends `state.set` to `leads` and access requests to review.
async fn team(app: &TestApp) -> [(String, String); 4] {
    app.project("web").await;
    let sources = json!([{"name": "p.yaml", "text": POLICY.replace("ORG", &app.org)}]);
    app.admin(APPLY, json!({"in": {"org": app.org, "sources": sources, "comment": "t"}})).await;
    let bob = app.user_with_role("operator", None).await;
    let carol = app.user_with_role("approver", None).await;
    let dave = app.user_with_role("approver", None).await;
    let erin = app.user_with_role("viewer", None).await;
    app.group("leads", &[&carol.1, &dave.1]).await;
    [bob, carol, dave, erin]
}

async fn propose_reviewed(app: &TestApp, key: &str) -> Value {
    let steps = json!([{"action": "state.set", "params": {"key": "x", "value": 1}}]);
    let p = propose(app, key, "web", steps, json!({"runWhenApproved": true})).await;
    assert_eq!(p["status"], "PENDING_APPROVAL", "{p:#}");
    p
}

/// `approver` approves the plan (which runs when approved) and it succeeds, as `owner` sees.
async fn approve_and_run(app: &TestApp, approver: &str, owner: &str, plan: &Value) {
    let id = plan["id"].as_str().unwrap();
    let approve = "mutation($in: ApprovePlanInput!) { approvePlan(input: $in) { status } }";
    ok(app.gql(Some(approver), approve, json!({"in": {"planId": id, "planHash": plan["planHash"]}})).await);
    wait_for_status(app, owner, id, "SUCCEEDED").await;
}

#[tokio::test]
async fn approvers_owners_reviewers_and_workers_are_told() {
    let app = spawn_app().await;
    let [(bob, _), (carol, _), (dave, _), (erin, _)] = team(&app).await;
    // Carol watches live: the count now, then each change.
    let mut live = Subscription::start(
        app.addr,
        &carol,
        "subscription { notifications { unread notification { title kind } } }",
        json!({}),
    )
    .await;
    assert_eq!(live.next().await.unwrap()["data"]["notifications"], json!({"unread": 0, "notification": null}));

    let plan = propose_reviewed(&app, &bob).await;
    let id = plan["id"].as_str().unwrap();
    let title = ok(app.gql(Some(&bob), "query($id: ID!) { plan(id: $id) { title } }", json!({"id": id})).await)["plan"]
        ["title"]
        .as_str()
        .unwrap()
        .to_string();
    // The approvers are told, with a link to the plan; the proposer and the viewer are not.
    let pushed = live.next().await.unwrap()["data"]["notifications"].clone();
    assert_eq!(pushed["unread"], 1);
    assert_eq!(pushed["notification"]["kind"], "APPROVAL_WAITING");
    for key in [&carol, &dave] {
        let n = wait_for_notes(&app, key, 1).await;
        assert_eq!(kinds(&n), ["APPROVAL_WAITING"]);
        assert_eq!(n[0]["title"], format!("Approval waiting: {title}"));
        assert_eq!(n[0]["link"], format!("/orgs/{}/plans/{id}", app.org));
        assert_eq!((n[0]["category"].as_str(), n[0]["org"].as_str()), (Some("APPROVALS"), Some(app.org.as_str())));
        assert!(n[0]["body"].as_str().unwrap().contains("leads"), "{:#}", n[0]);
        assert_eq!(n[0]["readAt"], Value::Null);
    }

    // Carol approves: bob hears his plan was approved, and then that it succeeded (it runs
    // when approved); carol is not told of her own approval.
    approve_and_run(&app, &carol, &bob, &plan).await;
    let told = wait_for_notes(&app, &bob, 2).await;
    assert_eq!(kinds(&told), ["PLAN_SUCCEEDED", "PLAN_APPROVED"], "{told:?}");
    assert_eq!(told[1]["title"], format!("Approved: {title}"));
    assert_eq!(told[0]["title"], format!("Succeeded: {title}"));

    // A rejected plan: its proposer is told why.
    let rejected = propose_reviewed(&app, &bob).await;
    // (An approval nobody waits for any more by the time the notifier reads it is not told.)
    wait_for_notes(&app, &carol, 2).await;
    let reject = "mutation($id: ID!) { rejectPlan(input: {planId: $id, comment: \"not today\"}) { status } }";
    ok(app.gql(Some(&dave), reject, json!({"id": rejected["id"]})).await);
    let told = wait_for_notes(&app, &bob, 3).await;
    assert_eq!(told[0]["kind"], "PLAN_REJECTED");
    assert!(told[0]["body"].as_str().unwrap().ends_with("rejected it: not today"), "{:#}", told[0]);

    // Reading: one's own only. Carol's ids do nothing to dave's, nor dave's to carol's.
    let carols = wait_for_notes(&app, &carol, 2).await;
    let daves = wait_for_notes(&app, &dave, 2).await;
    assert_eq!(
        ok(app.gql(Some(&carol), MARK, json!({"in": {"ids": [daves[0]["id"]]}})).await)["markNotificationsRead"],
        2
    );
    assert_eq!(unread(&app, &dave).await, 2);
    assert_eq!(
        ok(app.gql(Some(&carol), MARK, json!({"in": {"ids": [carols[1]["id"]]}})).await)["markNotificationsRead"],
        1
    );
    assert_eq!(code(&app.gql(Some(&carol), MARK, json!({"in": {}})).await), "VALIDATION");
    assert_eq!(code(&app.gql(Some(&carol), MARK, json!({"in": {"ids": ["pln_nope"]}})).await), "VALIDATION");
    // Her other tabs hear the count go down.
    let mut seen = Vec::new();
    for _ in 0..3 {
        let u = live.next().await.unwrap()["data"]["notifications"].clone();
        seen.push(u["unread"].as_i64().unwrap());
        if u["unread"] == 1 && u["notification"].is_null() {
            break;
        }
    }
    assert_eq!(seen.last(), Some(&1), "{seen:?}");
    ok(app.gql(Some(&carol), MARK, json!({"in": {"all": true}})).await);
    assert_eq!(unread(&app, &carol).await, 0);
    live.close().await;

    // An access request: those who may decide it are told (the admin), and the person who
    // asked hears the answer.
    let until = (now() + chrono::Duration::hours(1)).to_rfc3339();
    let ask = "mutation($in: GrantTemporaryRoleInput!) { grantTemporaryRole(input: $in) { id status } }";
    let erin_email = ok(app.gql(Some(&erin), "query { viewer { name } }", json!({})).await)["viewer"]["name"].clone();
    let asked = ok(app
        .gql(
            Some(&erin),
            ask,
            json!({"in": {"org": app.org, "role": "operator", "subject": {"userEmail": erin_email}, "until": until, "reason": "incident 42"}}),
        )
        .await)["grantTemporaryRole"]
        .clone();
    assert_eq!(asked["status"], "PENDING");
    let admin_told = wait_for_notes(&app, &app.admin_key, 1).await;
    let request = admin_told.iter().find(|n| n["kind"] == "ACCESS_REQUESTED").expect("the admin is told");
    assert_eq!(request["title"], format!("Access requested: operator for {}", erin_email.as_str().unwrap()));
    assert!(request["body"].as_str().unwrap().ends_with(": incident 42"), "{request:#}");
    assert_eq!(request["link"], format!("/orgs/{}/approvals", app.org));
    app.admin("mutation($id: ID!) { approveRoleGrant(id: $id) { status } }", json!({"id": asked["id"]})).await;
    let erin_told = wait_for_notes(&app, &erin, 1).await;
    assert_eq!(erin_told[0]["kind"], "ACCESS_GRANTED");
    assert_eq!(erin_told[0]["title"], "Access granted: operator");

    // A kill switch on the project: everyone who works there is told, not who engaged it.
    let before = wait_for_notes(&app, &carol, 2).await.len();
    app.admin(
        "mutation($in: SetKillSwitchInput!) { setKillSwitch(input: $in) { engaged } }",
        json!({"in": {"scope": "PROJECT", "org": app.org, "project": "web", "engaged": true, "reason": "bad deploy"}}),
    )
    .await;
    let told = wait_for_notes(&app, &carol, before + 1).await;
    assert_eq!(told[0]["kind"], "KILL_SWITCH_ENGAGED");
    assert_eq!(told[0]["title"], "Kill switch engaged: project web");
    assert_eq!(told[0]["link"], format!("/orgs/{}/projects/web/limits", app.org));
    assert!(wait_for_notes(&app, &bob, 4).await.iter().any(|n| n["kind"] == "KILL_SWITCH_ENGAGED"));
    let admin_kinds = kinds(&wait_for_notes(&app, &app.admin_key, 1).await).join(",");
    assert!(!admin_kinds.contains("KILL_SWITCH"), "{admin_kinds}");

    // Another organization's member sees none of it.
    let (_, other) = other_org(&app).await;
    assert_eq!(ok(app.gql(Some(&other), NOTIFICATIONS, json!({})).await)["viewer"]["unreadNotifications"], 0);
}

/// A local SMTP server (aiosmtpd) that keeps what it receives in a Maildir.
struct Smtp {
    child: std::process::Child,
    maildir: PathBuf,
    port: u16,
}

impl Smtp {
    /// Python with aiosmtpd: `TEST_AIOSMTPD`, else the virtualenv `scripts/test-all` makes.
    fn python() -> Option<PathBuf> {
        if let Ok(p) = std::env::var("TEST_AIOSMTPD") {
            return Some(PathBuf::from(p));
        }
        let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.cache/smtp-venv/bin/python");
        venv.exists().then_some(venv)
    }

    async fn start(python: &PathBuf, maildir: PathBuf, port: u16) -> Smtp {
        let child = std::process::Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        // Held before waiting, so a failure below still stops it (on drop).
        let smtp = Smtp { child, maildir, port };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return smtp;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not listen on {port}");
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The messages received so far, as text.
    fn messages(&self) -> Vec<String> {
        let dir = self.maildir.join("new");
        let mut files: Vec<_> =
            std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect()
    }

    async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..300 {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{n} e-mails did not arrive within 30 s: {:?}", self.messages());
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The text of a message's quoted-printable body (soft line breaks joined, `=XX` decoded).
fn body_text(message: &str) -> String {
    let body = message.split_once("\n\n").map_or("", |(_, b)| b).replace("=\r\n", "").replace("=\n", "");
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()),
        ) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The header `name` of a message.
fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

#[tokio::test]
async fn e_mail_goes_through_a_real_smtp_server_per_each_persons_choice() {
    let Some(python) = Smtp::python() else {
        assert!(std::env::var("CI").is_err(), "aiosmtpd is required under CI (scripts/test-all installs it)");
        eprintln!("SKIPPED: no aiosmtpd (run scripts/test-all, or set TEST_AIOSMTPD to a python with it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut smtp = Smtp::start(&python, dir.path().join("mail"), port).await;
    let app = spawn_with(SpawnOptions {
        notifications: Some(praetor::config::NotificationsConfig {
            poll_ms: 200,
            smtp_url: format!("smtp://127.0.0.1:{port}"),
            from: "Praetor <praetor@it.test>".into(),
            public_url: "https://praetor.example.com".into(),
            retry_schedule_seconds: vec![0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            ..Default::default()
        }),
        ..Default::default()
    })
    .await;
    let [(bob, _), (carol, carol_email), (dave, _), _] = team(&app).await;
    let settings = "query { viewer { emailNotifications notificationSettings { category label email } } }";
    let s = ok(app.gql(Some(&dave), settings, json!({})).await)["viewer"].clone();
    assert_eq!(s["emailNotifications"], true);
    assert_eq!(
        s["notificationSettings"][0],
        json!({"category": "APPROVALS", "label": "Plans waiting for my approval", "email": true})
    );
    // Dave wants no e-mail about approvals; the choice is audited.
    let set = "mutation($in: SetNotificationEmailInput!) { setNotificationEmail(input: $in) { category email } }";
    let off = ok(app.gql(Some(&dave), set, json!({"in": {"category": "APPROVALS", "email": false}})).await);
    assert_eq!(off["setNotificationEmail"], json!({"category": "APPROVALS", "email": false}));
    let s = ok(app.gql(Some(&dave), settings, json!({})).await)["viewer"]["notificationSettings"][0].clone();
    assert_eq!(s["email"], false);
    let log = app
        .admin("query($o: String!) { org(slug: $o) { auditLog(first: 5, kind: \"user.notification\") { nodes { kind payload } } } }", json!({"o": app.org}))
        .await;
    let entries = log["org"]["auditLog"]["nodes"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 1, "{log:#}");
    assert_eq!(entries[0]["payload"], json!({"category": "approvals", "email": false}));

    let plan = propose_reviewed(&app, &bob).await;
    let id = plan["id"].as_str().unwrap();
    let mail = smtp.wait_for(1).await;
    let m = &mail[0];
    assert_eq!(header(m, "To"), Some(carol_email.as_str()), "{m}");
    assert_eq!(header(m, "From"), Some("Praetor <praetor@it.test>"), "{m}");
    assert!(header(m, "Subject").unwrap().starts_with("Approval waiting: "), "{m}");
    let text = body_text(m);
    assert!(text.contains(&format!("Open it: https://praetor.example.com/orgs/{}/plans/{id}", app.org)), "{text}");
    assert!(text.contains("You get this e-mail for \"Plans waiting for my approval\""), "{text}");
    // Dave is told in the app all the same, and nobody else was mailed.
    assert_eq!(kinds(&wait_for_notes(&app, &dave, 1).await), ["APPROVAL_WAITING"]);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(smtp.messages().len(), 1);

    // The SMTP server goes away: the e-mail waits and is retried, and arrives once it is back.
    smtp.stop();
    approve_and_run(&app, &carol, &bob, &plan).await;
    let attempted = "SELECT COUNT(*) AS n FROM emails WHERE status = 'pending' AND attempts > 0";
    let mut waited = false;
    for _ in 0..100 {
        if count(&app, attempted).await > 0 {
            waited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(waited, "an e-mail was tried while the server was down and kept for a retry");
    let mut back = Smtp::start(&python, dir.path().join("mail"), smtp.port).await;
    let mail = back.wait_for(3).await;
    let subjects: Vec<&str> = mail.iter().filter_map(|m| header(m, "Subject")).collect();
    assert!(subjects.iter().any(|s| s.starts_with("Approved: ")), "{subjects:?}");
    assert!(subjects.iter().any(|s| s.starts_with("Succeeded: ")), "{subjects:?}");
    back.stop();
}

/// The single number a `SELECT COUNT(*) AS n …` answers, on the test's database.
async fn count(app: &TestApp, sql: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let db = &app.owner().await;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql.to_string()))
        .await
        .expect("the query runs")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("a count")
}
