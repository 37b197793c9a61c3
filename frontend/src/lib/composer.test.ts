// Tests of the plan composer's draft logic.

import { describe, expect, it } from 'vitest';
import type { ActionInfo } from '../api/types';
import { actionFields, buildParams, buildSteps, freshParams, toggleMode } from './composer';

const actions: ActionInfo[] = [
  {
    name: 'deploy.web',
    description: 'Deploy',
    risk: 'MEDIUM',
    cost: '2',
    aliases: [],
    builtin: false,
    params: { type: 'object', required: ['service'], properties: { service: { type: 'string' }, env: { type: 'string', enum: ['staging', 'prod'], default: 'staging' } } },
  },
  { name: 'chat.post', description: 'Post', risk: 'LOW', cost: '0', aliases: [], builtin: true, params: {} },
];

describe('composer drafts', () => {
  it('builds steps from fields and refuses incomplete ones', () => {
    const fields = actionFields(actions, 'deploy.web');
    const params = freshParams(fields);
    expect(buildSteps(actions, [{ key: 1, action: 'deploy.web', params }])).toBeNull();
    const filled = { ...params, values: { ...params.values, service: 'web', env: 'prod' } };
    expect(buildSteps(actions, [{ key: 1, action: 'deploy.web', params: filled }])).toEqual([
      { action: 'deploy.web', params: { service: 'web', env: 'prod' } },
    ]);
  });

  it('edits actions without a schema as JSON', () => {
    const p = freshParams(actionFields(actions, 'chat.post'));
    expect(p.mode).toBe('json');
    const built = buildParams([], { ...p, json: '{"message":"hi"}' });
    expect(built.params).toEqual({ message: 'hi' });
    expect(buildParams([], { ...p, json: '{' }).jsonError).toMatch(/Not valid JSON/);
  });

  it('carries values across a switch to JSON and back', () => {
    const fields = actionFields(actions, 'deploy.web');
    const start = { mode: 'fields' as const, values: { service: 'api', env: 'prod' }, json: '' };
    const asJson = toggleMode(fields, start);
    expect(JSON.parse(asJson.json)).toEqual({ service: 'api', env: 'prod' });
    const back = toggleMode(fields, { ...asJson, json: '{"service":"worker"}' });
    expect(back.mode).toBe('fields');
    expect(back.values).toEqual({ service: 'worker', env: '' });
    const broken = { ...asJson, json: '{' };
    expect(toggleMode(fields, broken)).toBe(broken);
  });
});
