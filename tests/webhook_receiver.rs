//! A real webhook receiver for the tests: `tests/receiver/receiver.mjs` on Node, which verifies
//! Praetor's signatures with the Standard Webhooks reference library and answers as each path
//! asks (see the script's header). Its npm packages are installed on first use.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("receiver")
}

/// Installs the packages (pinned by the lockfile) unless they are there.
async fn install() {
    crate::npm_ci_once("receiver", "standardwebhooks").await;
}

pub struct Receiver {
    pub port: u16,
    client: reqwest::Client,
    _child: Child,
}

impl Receiver {
    pub async fn start() -> Receiver {
        install().await;
        let mut child = Command::new("node")
            .arg("receiver.mjs")
            .current_dir(dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start the webhook receiver (node)");
        let stdout = child.stdout.take().expect("receiver stdout");
        let mut lines = BufReader::new(stdout).lines();
        // A liveness guard, not a timing check (a cold `node` on a busy runner can be slow).
        let line = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
            .await
            .expect("the receiver starts within 120 s")
            .expect("read the receiver's output")
            .expect("the receiver says where it listens");
        let port = line.strip_prefix("listening ").and_then(|p| p.trim().parse().ok()).expect("listening <port>");
        Receiver { port, client: reqwest::Client::new(), _child: child }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The secrets the receiver verifies requests to `path` with (any of them may match).
    pub async fn set_secrets(&self, path: &str, secrets: &[&str]) {
        self.client
            .post(self.url(&format!("/_secret?path={path}")))
            .body(secrets.join(" "))
            .send()
            .await
            .expect("set the receiver's secret");
    }

    /// Every request to `path` so far, oldest first.
    pub async fn log(&self, path: &str) -> Vec<Value> {
        let resp = self.client.get(self.url(&format!("/_log?path={path}"))).send().await.expect("receiver log");
        resp.json::<Vec<Value>>().await.expect("receiver log is JSON")
    }

    /// Waits until the log of `path` satisfies `done` (at most `secs` seconds); answers the log.
    pub async fn wait_for(&self, path: &str, secs: u64, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let log = self.log(path).await;
            if done(&log) {
                return log;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("the receiver's log of {path} did not get there in {secs} s: {}", Value::from(log));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The `webhook-signature` the reference library makes for a request.
    pub async fn sign(&self, secret: &str, id: &str, timestamp: i64, body: &str) -> String {
        let resp = self
            .client
            .post(self.url("/_sign"))
            .json(&json!({"secret": secret, "id": id, "timestamp": timestamp, "body": body}))
            .send()
            .await
            .expect("sign");
        resp.json::<Value>().await.expect("signature JSON")["signature"].as_str().expect("signature").to_string()
    }
}
