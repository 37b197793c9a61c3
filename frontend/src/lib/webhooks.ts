// Pure helpers of the webhook and trigger screens: a trigger's fixed arguments checked before
// they are sent, a delivery's status as a tone, its payload as JSON, a trigger's full address,
// and how to sign a request to a trigger (Standard Webhooks).

import type { Json, WebhookDeliveryStatus } from '../api/types';
import type { Tone } from './plans';

export type ParsedArgs = { ok: true; value: { [key: string]: Json } } | { ok: false; error: string };

/**
 * A trigger's fixed arguments as typed: a JSON object (empty text is `{}`). The server refuses
 * anything else too; checking here keeps a typo from costing a round trip.
 */
export function parseArgs(text: string): ParsedArgs {
  if (text.trim() === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: 'must be a JSON object, like {"service": "web"}' };
  }
  return { ok: true, value: value as { [key: string]: Json } };
}

export const DELIVERY_TONE: Record<WebhookDeliveryStatus, Tone> = { PENDING: 'warn', DELIVERED: 'ok', FAILED: 'bad' };

/** A delivery's body (JSON text) as a value to show; undefined when it is not JSON. */
export function payloadJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

/** Where another system POSTs to a trigger: the server's address and the trigger's path. */
export function triggerUrl(origin: string, path: string): string {
  return `${origin.replace(/\/$/, '')}${path.startsWith('/') ? '' : '/'}${path}`;
}

/**
 * A shell example that signs and sends one request to a trigger: the key is the bytes the
 * base64 after `whsec_` encodes, and `webhook-signature` is `v1,` and the base64 HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<body>`. The secret is read from the environment, so it is
 * not repeated here (nor typed into a shell history).
 */
export function signingExample(url: string): string {
  const commented = (code: string, comment: string) => `${code.padEnd(34)} # ${comment}`;
  return [
    commented(`secret="$PRAETOR_TRIGGER_SECRET"`, 'whsec_…, from where you stored it'),
    commented(`body='{}'`, 'arguments, laid over the trigger’s own'),
    commented(`id="req-$(date +%s)-$RANDOM"`, 'unique per request: a repeated id proposes nothing new'),
    commented(`ts=$(date +%s)`, 'Unix seconds, within 5 minutes of the server’s clock'),
    `key=$(printf '%s' "\${secret#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \\n')`,
    `sig=$(printf '%s.%s.%s' "$id" "$ts" "$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64)`,
    `curl -X POST '${url}' -H 'content-type: application/json' \\`,
    `  -H "webhook-id: $id" -H "webhook-timestamp: $ts" -H "webhook-signature: v1,$sig" \\`,
    `  --data "$body"`,
  ].join('\n');
}
