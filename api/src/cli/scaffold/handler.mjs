// __NAME__: an external action handler for Praetor.
//
// Praetor POSTs each step of the action `__NAME__` here, signed as Standard Webhooks: headers
// `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
// `id.timestamp.body` under the shared signing secret). This handler refuses a request whose
// signature does not verify or whose timestamp is more than five minutes off (401), checks the
// parameters against the action's schema (422 with the reason), and answers
// `{"output": ..., "state": {merge patch}}`. A 4xx answer fails the step for good; a 5xx or 429
// is retried by Praetor with the same `webhook-id`, so the work must be idempotent on it.
//
// Run: PRAETOR_SIGNING_SECRET=... PORT=8080 node handler.mjs

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const TOLERANCE_SECONDS = 300;

// The action's parameters, as in action.yaml.
export const SCHEMA = {
  type: 'object',
  required: ['item'],
  additionalProperties: false,
  properties: {
    item: { type: 'string', minLength: 1, maxLength: 100 },
    count: { type: 'integer', minimum: 0, default: 1 },
  },
};

export class Refused extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function signature(secret, id, timestamp, body) {
  const mac = createHmac('sha256', secret).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

export function verify(headers, body, secret, now = Date.now() / 1000) {
  const id = headers['webhook-id'] ?? '';
  const timestamp = headers['webhook-timestamp'] ?? '';
  const given = headers['webhook-signature'] ?? '';
  if (!id || !/^\d+$/.test(timestamp)) throw new Refused(401, 'missing webhook-id or webhook-timestamp');
  if (Math.abs(now - Number(timestamp)) > TOLERANCE_SECONDS) throw new Refused(401, 'webhook-timestamp is too far from now');
  const expected = Buffer.from(signature(secret, id, timestamp, body));
  const ok = given
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .some((s) => s.length === expected.length && timingSafeEqual(Buffer.from(s), expected));
  if (!ok) throw new Refused(401, 'the signature does not verify');
}

const TYPES = {
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  array: (v) => Array.isArray(v),
};

/** The parameters with defaults filled in, or Refused(422) saying what is wrong. */
export function checkParams(params, schema = SCHEMA) {
  if (!TYPES.object(params)) throw new Refused(422, 'params must be an object');
  const props = schema.properties ?? {};
  for (const name of schema.required ?? []) {
    if (!(name in params)) throw new Refused(422, `params.${name} is required`);
  }
  if (schema.additionalProperties === false) {
    for (const name of Object.keys(params)) {
      if (!(name in props)) throw new Refused(422, `params.${name} is not a parameter of this action`);
    }
  }
  const out = { ...params };
  for (const [name, spec] of Object.entries(props)) {
    if (!(name in out)) {
      if ('default' in spec) out[name] = spec.default;
      continue;
    }
    const value = out[name];
    if (spec.type && !TYPES[spec.type]?.(value)) throw new Refused(422, `params.${name} must be of type ${spec.type}`);
    if (spec.enum && !spec.enum.includes(value)) throw new Refused(422, `params.${name} must be one of ${spec.enum.join(', ')}`);
    if (typeof value === 'string' && (value.length < (spec.minLength ?? 0) || value.length > (spec.maxLength ?? Infinity))) {
      throw new Refused(422, `params.${name} has the wrong length`);
    }
    if (typeof value === 'number' && (value < (spec.minimum ?? -Infinity) || value > (spec.maximum ?? Infinity))) {
      throw new Refused(422, `params.${name} is out of range`);
    }
  }
  return out;
}

/** The work of one step. Replace with the integration's call; keep it idempotent on
 * request.idempotencyKey (the same for every retry of the step). */
export function run(request) {
  const params = checkParams(request.params);
  return {
    output: { item: params.item, count: params.count, handledBy: '__NAME__' },
    state: { __SNAKE__: { [params.item]: params.count } },
  };
}

/** [status, JSON answer] for one request. */
export function handle(headers, body, secret, now) {
  try {
    verify(headers, body, secret, now);
    let request;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      throw new Refused(400, 'the body is not JSON');
    }
    return [200, run(request)];
  } catch (e) {
    if (e instanceof Refused) return [e.status, { error: e.message }];
    throw e;
  }
}

function main() {
  const secret = process.env.PRAETOR_SIGNING_SECRET ?? '';
  if (secret.length < 32) {
    console.error("set PRAETOR_SIGNING_SECRET to Praetor's actions.signing_secret (32 characters or more)");
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 8080);
  createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const [status, answer] = handle(req.headers, Buffer.concat(chunks), secret);
      const data = JSON.stringify(answer);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
      res.end(data);
    });
  }).listen(port, process.env.HOST ?? '0.0.0.0', () => console.log(`__NAME__ handler listening on port ${port}`));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
