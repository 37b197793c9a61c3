// Tests of the __NAME__ handler: npm test (node --test, no packages needed).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handle, signature } from './handler.mjs';

const SECRET = 'a-test-signing-secret-of-32-characters!';

function signed(body, { id = 'step-1', timestamp = Math.floor(Date.now() / 1000), secret = SECRET } = {}) {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature(secret, id, timestamp, body) };
}

const request = (params) => Buffer.from(JSON.stringify({ action: '__NAME__', params, idempotencyKey: 'step-1' }));

test('a signed request is handled', () => {
  const body = request({ item: 'widget', count: 3 });
  const [status, answer] = handle(signed(body), body, SECRET);
  assert.equal(status, 200);
  assert.deepEqual(answer.output, { item: 'widget', count: 3, handledBy: '__NAME__' });
  assert.deepEqual(answer.state, { __SNAKE__: { widget: 3 } });
});

test('defaults are filled in', () => {
  const body = request({ item: 'widget' });
  assert.equal(handle(signed(body), body, SECRET)[1].output.count, 1);
});

test('a wrong signature or a changed body is refused', () => {
  const body = request({ item: 'widget' });
  assert.equal(handle(signed(body, { secret: 'another-secret-of-32-characters-long' }), body, SECRET)[0], 401);
  assert.equal(handle(signed(body), Buffer.concat([body, Buffer.from(' ')]), SECRET)[0], 401);
});

test('a stale timestamp is refused', () => {
  const body = request({ item: 'widget' });
  assert.equal(handle(signed(body, { timestamp: Math.floor(Date.now() / 1000) - 3600 }), body, SECRET)[0], 401);
});

test('parameters are checked against the schema', () => {
  for (const [params, why] of [
    [{}, 'params.item is required'],
    [{ item: 'w', count: '3' }, 'params.count must be of type integer'],
    [{ item: 'w', count: -1 }, 'params.count is out of range'],
    [{ item: 'w', colour: 'red' }, 'params.colour is not a parameter of this action'],
  ]) {
    const body = request(params);
    assert.deepEqual(handle(signed(body), body, SECRET), [422, { error: why }]);
  }
});
