// Tests of the webhook and trigger helpers: fixed arguments must be a JSON object, a trigger's
// address joins the server's origin and its path, a payload that is not JSON is left as text.

import { describe, expect, it } from 'vitest';
import { parseArgs, payloadJson, signingExample, triggerUrl } from './webhooks';

describe('parseArgs', () => {
  it('takes a JSON object, and empty text as {}', () => {
    expect(parseArgs(' {"service": "web", "version": 2} ')).toEqual({ ok: true, value: { service: 'web', version: 2 } });
    expect(parseArgs('  ')).toEqual({ ok: true, value: {} });
  });

  it('refuses what is not JSON, and JSON that is not an object', () => {
    const broken = parseArgs('{service: web}');
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error).toMatch(/^not valid JSON: /);
    for (const text of ['[1]', '"web"', '3', 'null']) {
      expect(parseArgs(text)).toEqual({ ok: false, error: 'must be a JSON object, like {"service": "web"}' });
    }
  });
});

describe('triggerUrl and payloadJson', () => {
  it('joins origin and path with one slash', () => {
    expect(triggerUrl('https://praetor.example', '/hooks/trg_1')).toBe('https://praetor.example/hooks/trg_1');
    expect(triggerUrl('https://praetor.example/', 'hooks/trg_1')).toBe('https://praetor.example/hooks/trg_1');
  });

  it('reads a payload as JSON when it is', () => {
    expect(payloadJson('{"type":"webhook.test"}')).toEqual({ type: 'webhook.test' });
    expect(payloadJson('not json')).toBeUndefined();
  });

  it('signs with the decoded key over id.timestamp.body in the shell example', () => {
    const example = signingExample('https://praetor.example/hooks/trg_1');
    expect(example).toContain(`printf '%s.%s.%s' "$id" "$ts" "$body"`);
    expect(example).toContain('"${secret#whsec_}" | base64 -d');
    expect(example).toContain(`curl -X POST 'https://praetor.example/hooks/trg_1'`);
  });
});
