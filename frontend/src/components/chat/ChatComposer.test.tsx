// Tests of the message box: Enter sends the trimmed text, Shift+Enter and an input method's
// Enter do not, and nothing empty or too long is sent: near the limit a counter shows, and a
// message over it is refused whole rather than cut.

import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ChatComposer } from './ChatComposer';

function Harness({ onSend, initial = '' }: { onSend: (t: string) => void; initial?: string }) {
  const [value, setValue] = useState(initial);
  return <ChatComposer value={value} onChange={setValue} onSend={onSend} maxLength={20} />;
}

describe('ChatComposer', () => {
  it('sends with Enter, not with Shift+Enter or while composing', () => {
    const onSend = vi.fn();
    render(<Harness onSend={onSend} />);
    const box = screen.getByLabelText('Message');
    fireEvent.change(box, { target: { value: '  deploy web  ' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    fireEvent.keyDown(box, { key: 'Enter', isComposing: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('deploy web');
  });

  it('sends with the button, and never an empty message', () => {
    const onSend = vi.fn();
    render(<Harness onSend={onSend} initial="   " />);
    const send = screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    fireEvent.keyDown(screen.getByLabelText('Message'), { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'help' } });
    fireEvent.click(send);
    expect(onSend).toHaveBeenCalledWith('help');
  });

  it('says it is sending and holds the button meanwhile', () => {
    render(<ChatComposer value="run it" onChange={() => undefined} onSend={() => undefined} busy />);
    const send = screen.getByRole('button', { name: 'Sending…' }) as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    // The box itself stays usable (and keeps focus) while a message is on its way.
    expect((screen.getByLabelText('Message') as HTMLTextAreaElement).disabled).toBe(false);
  });

  it('shows a counter near the limit and refuses a longer message whole, saying by how much', () => {
    const onSend = vi.fn();
    render(<Harness onSend={onSend} />);
    const box = screen.getByLabelText('Message') as HTMLTextAreaElement;
    // The limit is 20 here: the counter shows from 18.
    fireEvent.change(box, { target: { value: 'x'.repeat(17) } });
    expect(screen.queryByTestId('chat-counter')).toBeNull();
    fireEvent.change(box, { target: { value: 'x'.repeat(18) } });
    expect(screen.getByTestId('chat-counter').textContent).toBe('18 / 20');
    expect(box.getAttribute('aria-describedby')).toContain(screen.getByTestId('chat-counter').id);

    // A paste past the limit is kept as pasted (no maxlength cuts it) and not sent.
    fireEvent.change(box, { target: { value: 'y'.repeat(23) } });
    expect(box.value).toHaveLength(23);
    expect(box.hasAttribute('maxlength')).toBe(false);
    expect(screen.getByTestId('chat-counter').textContent).toBe('3 too many: at most 20 characters. Shorten it to send.');
    expect(box.getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();

    fireEvent.change(box, { target: { value: 'y'.repeat(20) } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('y'.repeat(20));
  });
});
