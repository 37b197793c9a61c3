// Tests of the webhook and trigger helpers: fixed arguments must be a JSON object, a trigger's
// address joins the server's origin and its path, a payload that is not JSON is left as text,
// and the shell example signs as the Standard Webhooks specification's own example does.

import { execFileSync } from 'node:child_process';
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

  it('reads the secret from the environment and posts to the trigger', () => {
    const example = signingExample('https://praetor.example/hooks/trg_1');
    expect(example).toContain('secret="$PRAETOR_TRIGGER_SECRET"');
    expect(example).toContain(`curl -X POST 'https://praetor.example/hooks/trg_1'`);
  });
});

/** Whether bash, openssl, base64 and od are here to run the example with. */
function shellTools(): boolean {
  try {
    execFileSync('bash', ['-c', 'command -v openssl && command -v base64 && command -v od'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('signingExample', () => {
  // The specification's example: this secret, id, timestamp and body sign as below.
  it.skipIf(!shellTools())('computes the specification’s signature when run', () => {
    const script = signingExample('https://praetor.example/hooks/trg_1')
      .replace(/^body=.*$/m, `body='{"test": 2432232314}'`)
      .replace(/^id=.*$/m, 'id=msg_p5jXN8AQM9LWM0D4loKWxJek')
      .replace(/^ts=.*$/m, 'ts=1614265330');
    // `curl` prints its arguments instead of sending anything.
    const out = execFileSync('bash', ['-c', `curl() { printf '%s\\n' "$@"; }\n${script}`], {
      env: { PATH: process.env.PATH ?? '', PRAETOR_TRIGGER_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      encoding: 'utf8',
    });
    expect(out.split('\n')).toContain('webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(out.split('\n')).toContain('https://praetor.example/hooks/trg_1');
  });
});
