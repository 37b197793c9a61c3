// Labelled form fields, a text input and a select, that show a hint and the server's reason for
// refusing them beside the control, both tied to it for screen readers (`aria-describedby`, and
// `aria-invalid` while refused). The hint's id is `<id>-hint` and the error's `<id>-error`.

import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from 'react';

interface FrameProps {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string;
  /** Spans the whole row of a `field-grid`. */
  wide?: boolean;
}

/** What ties the control to its label, its hint and its error. */
const tied = (id: string, hint: ReactNode, error: string | undefined) => ({
  id,
  'aria-invalid': error ? true : undefined,
  'aria-describedby': [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined,
});

function Frame({ id, label, hint, error, wide, children }: FrameProps & { children: ReactNode }) {
  return (
    <div className={wide ? 'field field-wide' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error && (
        <span className="field-error" id={`${id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

interface TextFieldProps extends FrameProps, Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'onChange' | 'value'> {
  value: string;
  onChange: (value: string) => void;
}

/** A text input. Names, URLs and identifiers are its usual content: no autocomplete, no spelling check. */
export function TextField({ id, label, hint, error, wide, value, onChange, ...input }: TextFieldProps) {
  return (
    <Frame id={id} label={label} hint={hint} error={error} wide={wide}>
      <input {...tied(id, hint, error)} autoComplete="off" spellCheck={false} value={value} onChange={(e) => onChange(e.target.value)} {...input} />
    </Frame>
  );
}

export interface SelectOption {
  value: string;
  label: string;
}

interface SelectFieldProps extends FrameProps, Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'onChange' | 'value'> {
  value: string;
  onChange: (value: string) => void;
  /** In the order shown; each value once. */
  options: readonly SelectOption[];
}

/** A select of one value among `options`. */
export function SelectField({ id, label, hint, error, wide, value, onChange, options, ...select }: SelectFieldProps) {
  return (
    <Frame id={id} label={label} hint={hint} error={error} wide={wide}>
      <select {...tied(id, hint, error)} value={value} onChange={(e) => onChange(e.target.value)} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Frame>
  );
}
