// Tests of the JSON views: an instant in a value reads in words with the exact value on hover,
// except in an exact view, which keeps the text as it was and words it on hover only.

import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { formatWhen } from '../lib/time';
import { JsonBlock, JsonInline } from './JsonView';

const until = '2026-03-04T08:00:00Z';

describe('JsonView', () => {
  it('words an instant in a block, keeping the exact value in its tooltip and dateTime', () => {
    const { container } = render(<JsonBlock value={{ step: 'wait', until, note: `at ${until}` }} summary="Event data" />);
    const time = container.querySelector('pre time')!;
    expect(time.textContent).toBe(formatWhen(until));
    expect(time.getAttribute('dateTime')).toBe(until);
    expect(time.getAttribute('title')).toContain(until);
    // One instant only: a timestamp inside a longer string is that string's own text.
    expect(container.querySelectorAll('time')).toHaveLength(1);
    expect(container.querySelector('pre')!.textContent).toBe(
      JSON.stringify({ step: 'wait', until, note: `at ${until}` }, null, 2).replace(`"${until}"`, formatWhen(until)),
    );
  });

  it('words an instant in one line too', () => {
    const { container } = render(<JsonInline value={{ at: until }} />);
    expect(container.textContent).toBe(`{"at":${formatWhen(until)}}`);
    expect(container.querySelector('time')!.getAttribute('dateTime')).toBe(until);
  });

  it('keeps an exact view as it was, copyable, and words the instant on hover', () => {
    const value = { type: 'plan.failed', occurredAt: until };
    const { container } = render(<JsonBlock value={value} exact />);
    expect(container.querySelector('pre')!.textContent).toBe(JSON.stringify(value, null, 2));
    const time = container.querySelector('time')!;
    expect(time.textContent).toBe(`"${until}"`);
    expect(time.getAttribute('title')).toContain(formatWhen(until));
  });
});
