// Tests of generating fields from JSON Schema and reading them back.

import { describe, expect, it } from 'vitest';
import { fieldsOf, initialValues, parseParamsJson, toParams } from './schemaForm';

const deploy = {
  type: 'object',
  required: ['service'],
  properties: {
    env: { type: 'string', enum: ['staging', 'prod'], default: 'staging' },
    service: { type: 'string', enum: ['web', 'api', 'worker'] },
    version: { type: 'integer', minimum: 1, default: 1 },
    extra: { type: 'object' },
  },
};

describe('fieldsOf', () => {
  it('lists required fields first and recognises enums, integers and free JSON', () => {
    const fields = fieldsOf(deploy);
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['service', 'enum', true],
      ['env', 'enum', false],
      ['version', 'integer', false],
      ['extra', 'json', false],
    ]);
    expect(fields[0]!.options).toEqual(['web', 'api', 'worker']);
    expect(fields[2]!.minimum).toBe(1);
  });

  it('gives no fields for schemas without properties', () => {
    expect(fieldsOf({ type: 'object' })).toEqual([]);
    expect(fieldsOf(null)).toEqual([]);
  });
});

describe('initialValues and toParams', () => {
  it('starts from defaults and the first option of a required enum', () => {
    expect(initialValues(fieldsOf(deploy))).toEqual({ service: 'web', env: 'staging', version: '1', extra: '' });
  });

  it('converts typed text into typed parameters and leaves empty optional fields out', () => {
    const fields = fieldsOf(deploy);
    const { params, errors } = toParams(fields, { service: 'api', env: 'prod', version: '3', extra: '' });
    expect(errors).toEqual({});
    expect(params).toEqual({ service: 'api', env: 'prod', version: 3 });
  });

  it('reports each invalid field by name', () => {
    const fields = fieldsOf(deploy);
    const { errors } = toParams(fields, { service: '', env: 'qa', version: '0.5', extra: '{"a":1}' });
    expect(errors).toEqual({ service: 'Required', env: 'One of staging, prod', version: 'A whole number' });
    expect(toParams(fields, { service: 'web', version: '0' }).errors).toEqual({ version: 'At least 1' });
  });

  it('checks patterns and parses booleans and JSON', () => {
    const fields = fieldsOf({
      type: 'object',
      required: ['flag', 'enabled'],
      properties: { flag: { type: 'string', pattern: '^[a-z0-9-]+$' }, enabled: { type: 'boolean' }, value: {} },
    });
    expect(toParams(fields, { flag: 'Bad Flag', enabled: 'true' }).errors).toEqual({ flag: 'Must match ^[a-z0-9-]+$' });
    expect(toParams(fields, { flag: 'dark-mode', enabled: 'false', value: '{"v":42}' }).params).toEqual({
      flag: 'dark-mode',
      enabled: false,
      value: { v: 42 },
    });
    expect(toParams(fields, { flag: 'x', enabled: 'true', value: 'plain words' }).params.value).toBe('plain words');
  });
});

describe('parseParamsJson', () => {
  it('accepts objects only', () => {
    expect(parseParamsJson('{"service":"web"}')).toEqual({ params: { service: 'web' } });
    expect(parseParamsJson('')).toEqual({ params: {} });
    expect(parseParamsJson('[1]')).toEqual({ error: 'Parameters must be a JSON object' });
    expect('error' in parseParamsJson('{service:')).toBe(true);
  });
});
