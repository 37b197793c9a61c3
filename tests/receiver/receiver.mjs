// A webhook receiver for the integration tests. It verifies every request's signature with
// the Standard Webhooks reference library (an implementation independent of Praetor's), logs
// it, and answers as its path asks:
//   /ok...      200 (401 if a secret is set for the path and the signature does not verify)
//   /flaky...   503 for the first two attempts of each webhook-id, then 200
//   /gone...    410
//   /hang...    never answers
//   /redirect.. 302 to the cloud metadata address (which must not be followed)
// Control:
//   POST /_secret?path=/ok   body: the endpoint's whsec_ secret(s), space-separated
//   GET  /_log[?path=/ok]    every request received, oldest first
//   POST /_sign              {secret, id, timestamp, body} -> the webhook-signature to send
// Prints "listening <port>" once it accepts connections.
import http from "node:http";
import { Webhook } from "standardwebhooks";

const secrets = new Map();
const log = [];
const attempts = new Map();

function verify(path, body, headers) {
  const wanted = secrets.get(path);
  if (!wanted) return { verified: false, error: "no secret set" };
  let error = null;
  for (const secret of wanted) {
    try {
      new Webhook(secret).verify(body, headers, { jsonParse: false });
      return { verified: true, error: null, secret };
    } catch (e) {
      error = String(e.message ?? e);
    }
  }
  return { verified: false, error };
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://receiver");
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks).toString("utf8");
  const path = url.pathname;
  if (path === "/_secret") {
    secrets.set(url.searchParams.get("path"), body.split(" ").filter(Boolean));
    res.end("ok");
    return;
  }
  if (path === "/_log") {
    const only = url.searchParams.get("path");
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(log.filter((e) => !only || e.path === only)));
    return;
  }
  if (path === "/_sign") {
    const { secret, id, timestamp, body: payload } = JSON.parse(body);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ signature: new Webhook(secret).sign(id, new Date(timestamp * 1000), payload) }));
    return;
  }
  const id = req.headers["webhook-id"] ?? "";
  const n = (attempts.get(path + " " + id) ?? 0) + 1;
  attempts.set(path + " " + id, n);
  const { verified, error, secret } = verify(path, body, req.headers);
  log.push({
    path,
    webhookId: id,
    timestamp: req.headers["webhook-timestamp"] ?? null,
    signature: req.headers["webhook-signature"] ?? null,
    verified,
    verifiedWith: secret ?? null,
    error,
    attempt: n,
    body,
  });
  if (path.startsWith("/hang")) return;
  if (path.startsWith("/gone")) {
    res.statusCode = 410;
    res.end("gone");
    return;
  }
  if (path.startsWith("/redirect")) {
    res.statusCode = 302;
    res.setHeader("location", "http://169.254.169.254/latest/meta-data/");
    res.end();
    return;
  }
  if (path.startsWith("/flaky") && n <= 2) {
    res.statusCode = 503;
    res.end("try again later");
    return;
  }
  res.statusCode = verified ? 200 : 401;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ received: id, verified }));
});

server.listen(0, "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
