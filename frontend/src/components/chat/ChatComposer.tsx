// The message box of a conversation: Enter sends, Shift+Enter starts a new line (and Enter
// while an input method is composing does neither). The text stays if sending fails.

import { forwardRef, useId, type FormEvent, type KeyboardEvent } from 'react';

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

export const MAX_MESSAGE = 4000;

export const ChatComposer = forwardRef<HTMLTextAreaElement, Props>(function ChatComposer(
  { value, onChange, onSend, busy = false, disabled = false, placeholder, maxLength = MAX_MESSAGE },
  ref,
) {
  const id = useId();
  const text = value.trim();
  const canSend = !busy && !disabled && text.length > 0 && value.length <= maxLength;
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
        maxLength={maxLength}
        disabled={disabled}
        placeholder={placeholder}
        aria-describedby={`${id}-hint`}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="chat-composer-bar">
        <span id={`${id}-hint`} className="hint">
          Enter sends · Shift+Enter for a new line
        </span>
        <button type="submit" className="btn btn-primary" disabled={!canSend}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
});
