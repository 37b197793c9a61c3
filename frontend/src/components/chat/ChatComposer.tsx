// The message box of a conversation: Enter sends, Shift+Enter starts a new line (and Enter
// while an input method is composing does neither). The text stays if sending fails. Near the
// server's limit a counter shows; a longer message is kept whole and refused with a note saying
// by how much, never cut silently (which is what a `maxlength` on the box would do to a paste).

import { forwardRef, useId, type FormEvent, type KeyboardEvent } from 'react';
import { MAX_MESSAGE_CHARS, messageLength } from '../../lib/chat';

interface Props {
  value: string;
  onChange: (text: string) => void;
  onSend: (text: string) => void;
  busy?: boolean;
  disabled?: boolean;
  placeholder?: string;
  /** Longest message the server takes. */
  maxLength?: number;
}

export const MAX_MESSAGE = MAX_MESSAGE_CHARS;

export const ChatComposer = forwardRef<HTMLTextAreaElement, Props>(function ChatComposer(
  { value, onChange, onSend, busy = false, disabled = false, placeholder, maxLength = MAX_MESSAGE },
  ref,
) {
  const id = useId();
  const text = value.trim();
  const length = messageLength(value, maxLength);
  const canSend = !busy && !disabled && text.length > 0 && length.over === 0;
  const send = () => {
    if (canSend) onSend(text);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing) return;
    e.preventDefault();
    send();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send();
  };
  return (
    <form className="chat-composer" onSubmit={submit}>
      <label htmlFor={`${id}-message`} className="visually-hidden">
        Message
      </label>
      <textarea
        id={`${id}-message`}
        ref={ref}
        rows={2}
        value={value}
        disabled={disabled}
        placeholder={placeholder}
        aria-invalid={length.over > 0 || undefined}
        aria-describedby={length.show ? `${id}-hint ${id}-count` : `${id}-hint`}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="chat-composer-bar">
        <span id={`${id}-hint`} className="hint">
          Enter sends · Shift+Enter for a new line
        </span>
        {length.show && (
          <span
            id={`${id}-count`}
            className={`chat-counter ${length.over > 0 ? 'tone-text-bad' : 'tone-text-warn'}`}
            data-testid="chat-counter"
            aria-live="polite"
          >
            {length.over > 0
              ? `${length.over.toLocaleString()} too many: at most ${maxLength.toLocaleString()} characters. Shorten it to send.`
              : `${length.count.toLocaleString()} / ${maxLength.toLocaleString()}`}
          </span>
        )}
        <button type="submit" className="btn btn-primary" disabled={!canSend}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
});
