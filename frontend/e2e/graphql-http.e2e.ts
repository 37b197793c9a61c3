// The GraphQL-over-HTTP conformance audits of the `graphql-http` package, run against the
// real server: every MUST, SHOULD and MAY it checks holds (the media type
// application/graphql-response+json, 4xx for requests that never executed, no `data` on a
// refused document, parameters checked).

import { serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { BASE_URL } from './support';

describe('GraphQL over HTTP', () => {
  it('passes every server audit of graphql-http', async () => {
    const failed: string[] = [];
    const audits = serverAudits({ url: `${BASE_URL}/graphql` });
    for (const audit of audits) {
      const result = await audit.fn();
      if (result.status !== 'ok') failed.push(`${result.status}: ${audit.name} (${result.reason})`);
    }
    expect(audits.length).toBeGreaterThan(20);
    expect(failed).toEqual([]);
  });
});
