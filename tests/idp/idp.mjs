// A real OpenID Connect provider for the integration tests: panva's certified `oidc-provider`
// on http://127.0.0.1:<port> (the issuer, no trailing slash), with the in-memory adapter, a
// sign-in page of its own and no consent page. Endpoints (oidc-provider's default routes):
//   /.well-known/openid-configuration   discovery
//   /auth            authorization (code flow only; PKCE S256 required for every client)
//   /token           token (authorization_code, refresh_token, client_credentials;
//                    client_secret_basic or client_secret_post)
//   /jwks            the signing keys, newest first
//   /me              userinfo
//   /session/end     RP-initiated logout (its confirm page submits itself in a browser)
//   /device/auth     device authorization (RFC 8628), for clients allowed the device_code grant
//   /device          where a person enters or confirms a device's user code ("Test IdP device
//                    confirm": oidc-provider's form #op.deviceConfirmForm; send abort=yes to
//                    refuse), then signs in; ends at "Test IdP device done"
//   /interaction/:uid          the sign-in form (login = sub or email, password)
//   /interaction/:uid/login    POST target of the form
// Configuration: IDP_CONFIG (JSON) = {clients: [oidc-provider client metadata...],
//   users: [{sub, email, email_verified, name, groups, password}],
//   api: {resource, audience, scope}}; see DEFAULTS below. PORT picks the port (default: free).
// ID tokens carry email, email_verified, name and groups (as the scopes ask) even when an access
// token is issued. Access tokens for the API resource (a URI; oidc-provider rejects bare names
// such as "praetor-api" as resource indicators) are RS256 JWTs with aud = api.audience, and a
// user's carry their current groups and email. The resource is the default for client
// credentials; a code flow gets a JWT access token only when its authorization request names the
// resource (otherwise the access token is an opaque one for /me).
// Test controls (JSON in and out):
//   POST /test/rotate                 new RS256 key (new kid) signs from now on; the previous key
//                                     stays published second; answers {kid}
//   POST /test/users/<sub>/groups     {groups} -> the user's groups from now on
//   POST /test/mint                   {claims, header?, mode?} -> {token}; modes: rs256 (current
//                                     key), none, hs256-public (HMAC keyed with the current public
//                                     key's SPKI PEM text), foreign-key (a key not in the JWKS,
//                                     with the current kid). iss/iat/exp default to the issuer,
//                                     now, now+300; a claim given as null is left out.
//   POST /test/tamper                 {idToken: overrides, mode?} -> the next authorization_code
//                                     token response carries a re-signed ID token with the
//                                     overrides (one shot); answers {armed: true}
//   GET  /test/log                    requests to /token and /jwks so far: [{method, path, at}]
// Prints "listening <port>" once it accepts connections.
import * as crypto from "node:crypto";
import http from "node:http";

// oidc-provider prints its notices with console.info (stdout), and that stdout's first line is
// the port; notices go to stderr instead. Its "Unsupported runtime" warning is dropped: it wants
// Node 22 LTS, and everything it uses exists in Node 20.18+, which the suite runs on.
console.info = (...args) => console.error(...args);
const warn = console.warn;
console.warn = (...args) => {
  if (!String(args[0]).includes("Unsupported runtime")) warn(...args);
};
const { default: Provider, errors } = await import("oidc-provider");

const DEFAULTS = {
  clients: [
    {
      client_id: "praetor",
      client_secret: "praetor-test-secret-0123456789abcdef",
      redirect_uris: ["http://127.0.0.1/auth/oidc/callback"],
      grant_types: ["authorization_code", "refresh_token", "client_credentials"],
    },
  ],
  users: [
    { sub: "alice", email: "alice@idp.test", email_verified: true, name: "Alice", groups: ["sre"], password: "alice-password" },
    { sub: "bob", email: "bob@idp.test", email_verified: true, name: "Bob", groups: ["dev"], password: "bob-password" },
  ],
  api: { resource: "urn:praetor:api", audience: "praetor-api", scope: "praetor:read praetor:write praetor:admin" },
};

const config = JSON.parse(process.env.IDP_CONFIG || "{}");
const clients = (config.clients ?? DEFAULTS.clients).map((c) => ({
  response_types: ["code"],
  grant_types: ["authorization_code", "refresh_token", "client_credentials"],
  token_endpoint_auth_method: "client_secret_basic",
  ...c,
}));
const users = new Map((config.users ?? DEFAULTS.users).map((u) => [u.sub, { email_verified: true, groups: [], ...u }]));
const api = { ...DEFAULTS.api, ...config.api };

const log = [];
let tamper = null;

// Signing keys, newest first. The provider reads its JWKS once, at construction, so a rotation
// builds a new Provider over the same store and cookie keys: sessions, grants and codes survive
// it. (oidc-provider's own in-memory adapter keeps a store per Provider instance, hence this one.)
function newKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `idp-${crypto.randomBytes(6).toString("hex")}`;
  return { kid, privateKey, publicKey, jwk: { ...privateKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" } };
}
let keys = [newKey()];

// The store all Provider instances of this process share (see above), with oidc-provider's
// adapter interface. Expired entries are dropped when read.
const store = new Map();

class SharedMemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const expires = typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(this.key(id), { payload, expires });
    if (this.model === "Session") store.set(`sessionUid:${payload.uid}`, { payload: id, expires });
    if (payload.userCode) store.set(`userCode:${payload.userCode}`, { payload: id, expires });
    if (payload.grantId) {
      const members = store.get(`grant:${payload.grantId}`)?.payload ?? new Set();
      members.add(this.key(id));
      store.set(`grant:${payload.grantId}`, { payload: members, expires: Infinity });
    }
  }

  async find(id) {
    return live(this.key(id));
  }

  async findByUid(uid) {
    const id = live(`sessionUid:${uid}`);
    return id && this.find(id);
  }

  async findByUserCode(userCode) {
    const id = live(`userCode:${userCode}`);
    return id && this.find(id);
  }

  async consume(id) {
    const entry = live(this.key(id));
    if (entry) entry.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of store.get(`grant:${grantId}`)?.payload ?? []) store.delete(key);
    store.delete(`grant:${grantId}`);
  }
}

function live(key) {
  const entry = store.get(key);
  if (entry && entry.expires <= Date.now()) store.delete(key);
  return entry && entry.expires > Date.now() ? entry.payload : undefined;
}

const OIDC_SCOPES = ["openid", "offline_access", "email", "profile", "groups"];

function findUser(login) {
  return users.get(login) ?? [...users.values()].find((u) => u.email === login);
}

// The API's scopes: the configured ones, and any other non-OpenID scope this request (or the
// code or refresh token it redeems) asked for, so tokens carry the scope as requested.
function apiScopes(ctx) {
  const asked = [
    ctx.oidc?.params?.scope,
    ctx.oidc?.entities?.AuthorizationCode?.scope,
    ctx.oidc?.entities?.RefreshToken?.scope,
  ];
  const scopes = new Set(api.scope.split(" ").filter(Boolean));
  for (const s of asked.filter(Boolean).join(" ").split(" ")) {
    if (s && !OIDC_SCOPES.includes(s)) scopes.add(s);
  }
  return [...scopes].join(" ");
}

function page(title, body) {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function makeProvider(issuer) {
  const provider = new Provider(issuer, {
    adapter: SharedMemoryAdapter,
    clients: structuredClone(clients),
    jwks: { keys: keys.map((k) => k.jwk) },
    cookies: { keys: ["praetor-idp-test-cookie-key-0", "praetor-idp-test-cookie-key-1"] },
    // "none": public clients (the command line's device client).
    clientAuthMethods: ["client_secret_basic", "client_secret_post", "none"],
    responseTypes: ["code"],
    pkce: { required: () => true },
    scopes: OIDC_SCOPES,
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name"],
      groups: ["groups"],
    },
    conformIdTokenClaims: false,
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: async (ctx, form, _out, err) => {
          ctx.body = page("Test IdP device code", `${err ? `<p id="error">${esc(err.message)}</p>` : ""}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`);
        },
        userCodeConfirmSource: async (ctx, form, client, _deviceInfo, userCode) => {
          ctx.body = page(
            "Test IdP device confirm",
            `<p id="client">${esc(client.clientId)}</p><p id="user-code">${esc(userCode)}</p>${form}` +
              `<button type="submit" form="op.deviceConfirmForm" id="confirm">Continue</button>` +
              `<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort" id="abort">Abort</button>`,
          );
        },
        successSource: async (ctx) => {
          ctx.body = page("Test IdP device done", "<p id=\"done\">Signed in; return to your device.</p>");
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page(
            "Test IdP sign-out",
            `${form}<button id="logout" type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>` +
              `<script>document.getElementById("logout").click()</script>`,
          );
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page("Test IdP signed out", "<p>Signed out.</p>");
        },
      },
      resourceIndicators: {
        enabled: true,
        // Client credentials without a resource get the API; other requests get what they named.
        defaultResource: async (ctx, _client, oneOf) => {
          if (oneOf) return oneOf[0];
          if (ctx.oidc.route === "token" && ctx.oidc.params.grant_type === "client_credentials") return api.resource;
          return undefined;
        },
        // A code flow that named the resource at /auth gets its JWT without naming it again.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resource) => {
          if (resource !== api.resource) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            scope: apiScopes(ctx),
            audience: api.audience,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
    // Read at token time, so a group change shows in the next token.
    extraTokenClaims: async (_ctx, token) => {
      const user = token.accountId && users.get(token.accountId);
      return user ? { groups: [...user.groups], email: user.email } : undefined;
    },
    findAccount: async (_ctx, sub) => {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: user.email,
          email_verified: user.email_verified,
          name: user.name,
          groups: [...user.groups],
        }),
      };
    },
    // Consent is implied: the grant always holds what the request asks for.
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (!grant || grant.accountId !== oidc.account.accountId) {
        grant = new oidc.provider.Grant({ accountId: oidc.account.accountId, clientId: oidc.client.clientId });
      }
      fillGrant(oidc, grant);
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = page(
        "Test IdP error",
        Object.entries(out)
          .map(([k, v]) => `<pre id="${esc(k)}">${esc(k)}: ${esc(v)}</pre>`)
          .join(""),
      );
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      DeviceCode: 600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 86400,
      Session: 86400,
      Grant: 86400,
    },
  });

  provider.use(async (ctx, next) => {
    await next();
    if (
      tamper &&
      ctx.path === "/token" &&
      ctx.status === 200 &&
      ctx.oidc?.params?.grant_type === "authorization_code" &&
      ctx.body?.id_token
    ) {
      const { overrides, mode } = tamper;
      tamper = null;
      const [h, p] = ctx.body.id_token.split(".");
      const { typ } = JSON.parse(Buffer.from(h, "base64url").toString());
      const claims = { ...JSON.parse(Buffer.from(p, "base64url").toString()), ...overrides };
      ctx.body = { ...ctx.body, id_token: sign({ typ }, claims, mode) };
    }
  });
  return provider;
}

function fillGrant(oidc, grant) {
  const scopes = [...oidc.requestParamOIDCScopes];
  if (scopes.length) grant.addOIDCScope(scopes.join(" "));
  const claims = [...oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);
  for (const [indicator, server] of Object.entries(oidc.resourceServers)) {
    const wanted = [...oidc.requestParamScopes].filter((s) => server.scopes.has(s));
    if (wanted.length) grant.addResourceScope(indicator, wanted.join(" "));
  }
}

function b64(value) {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

// A compact JWS of `claims` made as `mode` says (see the header of this file).
function sign(header, claims, mode = "rs256") {
  for (const [k, v] of Object.entries(claims)) if (v === null) delete claims[k];
  const current = keys[0];
  const h = { typ: "JWT", ...header, kid: header.kid ?? current.kid };
  switch (mode) {
    case "rs256":
    case "foreign-key": {
      const input = `${b64({ ...h, alg: header.alg ?? "RS256" })}.${b64(claims)}`;
      const key = mode === "rs256" ? current.privateKey : newKey().privateKey;
      return `${input}.${crypto.sign("sha256", Buffer.from(input), key).toString("base64url")}`;
    }
    case "none":
      return `${b64({ ...h, alg: header.alg ?? "none" })}.${b64(claims)}.`;
    case "hs256-public": {
      const input = `${b64({ ...h, alg: header.alg ?? "HS256" })}.${b64(claims)}`;
      const secret = current.publicKey.export({ type: "spki", format: "pem" });
      return `${input}.${crypto.createHmac("sha256", secret).update(input).digest("base64url")}`;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

function json(res, status, value) {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(value));
}

function html(res, status, body) {
  res.statusCode = status;
  res.setHeader("content-type", "text/html; charset=utf-8");
  res.setHeader("cache-control", "no-store");
  res.end(body);
}

function loginPage(uid, error) {
  return page(
    "Test IdP sign-in",
    (error ? `<p id="error">${esc(error)}</p>` : "") +
      `<form method="post" action="/interaction/${esc(uid)}/login">` +
      `<input name="login" id="login"><input name="password" id="password" type="password">` +
      `<button type="submit" id="submit">Sign in</button></form>`,
  );
}

let issuer;
let provider;
let handler;

function start() {
  provider = makeProvider(issuer);
  handler = provider.callback();
}

async function interaction(req, res, uid, action) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (e) {
    return html(res, 400, page("Test IdP error", `<pre id="error">${esc(e.message)}</pre>`));
  }
  if (details.uid !== uid) return html(res, 400, page("Test IdP error", '<pre id="error">interaction mismatch</pre>'));
  const { prompt, params, session } = details;
  if (prompt.name === "consent") {
    // Consent is implied (native clients are always asked; everyone else already has a grant).
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (action !== "login" || req.method !== "POST") return html(res, 200, loginPage(uid));
  const form = new URLSearchParams(await readBody(req));
  const user = findUser(form.get("login") ?? "");
  if (!user || user.password !== form.get("password")) {
    return html(res, 200, loginPage(uid, "Wrong login or password."));
  }
  return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
}

async function control(req, res, path) {
  const body = req.method === "POST" ? JSON.parse((await readBody(req)) || "{}") : {};
  if (path === "/test/rotate" && req.method === "POST") {
    keys = [newKey(), keys[0]];
    start();
    return json(res, 200, { kid: keys[0].kid });
  }
  const groups = path.match(/^\/test\/users\/([^/]+)\/groups$/);
  if (groups && req.method === "POST") {
    const user = users.get(decodeURIComponent(groups[1]));
    if (!user) return json(res, 404, { error: "no such user" });
    user.groups = body.groups ?? [];
    return json(res, 200, { sub: user.sub, groups: user.groups });
  }
  if (path === "/test/mint" && req.method === "POST") {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, iat: now, exp: now + 300, ...body.claims };
    return json(res, 200, { token: sign(body.header ?? {}, claims, body.mode ?? "rs256") });
  }
  if (path === "/test/tamper" && req.method === "POST") {
    tamper = { overrides: body.idToken ?? {}, mode: body.mode ?? "rs256" };
    return json(res, 200, { armed: true });
  }
  if (path === "/test/log" && req.method === "GET") return json(res, 200, log);
  return json(res, 404, { error: "no such control" });
}

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, "http://idp").pathname;
  try {
    if (path === "/token" || path === "/jwks") log.push({ method: req.method, path, at: Date.now() });
    if (path.startsWith("/test/")) return await control(req, res, path);
    const m = path.match(/^\/interaction\/([^/]+)(?:\/(login))?$/);
    if (m) return await interaction(req, res, m[1], m[2]);
    return handler(req, res);
  } catch (e) {
    console.error(e);
    if (!res.headersSent) json(res, 500, { error: String(e.message ?? e) });
  }
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address();
  issuer = `http://127.0.0.1:${port}`;
  start();
  console.log(`listening ${port}`);
});
