// The fields of an identity provider's settings, shared by the form that adds one and the form
// that edits one, and the client secret's field (adding, and replacing the secret). Each field
// shows the server's reason beside it when a VALIDATION error names it.

import type { InputHTMLAttributes, ReactNode } from 'react';
import type { ProviderSettings } from '../../lib/identity';

/** The settings fields, by the names the server gives them in VALIDATION errors. */
export const SETTINGS_FIELDS = ['name', 'issuer', 'clientId', 'scopes', 'groupsClaim', 'allowedDomains', 'apiAudience'] as const;
export type SettingsField = (typeof SETTINGS_FIELDS)[number];

type Errors = Partial<Record<string, string>>;

interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  error?: string;
  wide?: boolean;
}

/** A labelled input with its hint and its error, both tied to it for screen readers. */
export function TextField({ id, label, value, onChange, hint, error, wide, className, ...input }: TextFieldProps) {
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div className={wide ? 'field field-wide' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className={className}
        autoComplete="off"
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
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

interface SecretFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
}

/** A client secret: typed, never shown back, not offered to the browser's password manager. */
export function SecretField({ id, label, value, onChange, error }: SecretFieldProps) {
  return (
    <TextField
      id={id}
      label={label}
      type="password"
      className="mono"
      required
      autoComplete="new-password"
      value={value}
      onChange={onChange}
      hint="Stored encrypted; only its fingerprint is shown afterwards."
      error={error}
    />
  );
}

interface Props {
  /** Prefix of the fields' ids, unique on the page. */
  prefix: string;
  value: ProviderSettings;
  onChange: (value: ProviderSettings) => void;
  errors: Errors;
  /** Shown beside the client ID: the client secret's field, when the form takes one. */
  secret?: ReactNode;
}

export function ProviderSettingsFields({ prefix, value, onChange, errors, secret }: Props) {
  const set =
    <K extends keyof ProviderSettings>(key: K) =>
    (v: ProviderSettings[K]) =>
      onChange({ ...value, [key]: v });
  return (
    <>
      <div className="field-grid">
        <TextField
          id={`${prefix}-name`}
          label="Name"
          required
          maxLength={100}
          placeholder="Okta"
          value={value.name}
          onChange={set('name')}
          hint="Shown on the sign-in page: “Sign in with …”."
          error={errors.name}
        />
        <TextField
          id={`${prefix}-issuer`}
          label="Issuer URL"
          type="url"
          inputMode="url"
          className="mono"
          required
          wide
          placeholder="https://login.example.com"
          value={value.issuer}
          onChange={set('issuer')}
          hint="Its /.well-known/openid-configuration is fetched when you save, to check it."
          error={errors.issuer}
        />
        <TextField
          id={`${prefix}-clientId`}
          label="Client ID"
          className="mono"
          required
          maxLength={100}
          value={value.clientId}
          onChange={set('clientId')}
          error={errors.clientId}
        />
        {secret}
        <TextField
          id={`${prefix}-scopes`}
          label="Scopes"
          className="mono"
          value={value.scopes}
          onChange={set('scopes')}
          hint="Asked for beside openid; separated by spaces or commas. Add groups if the provider sends groups only when asked."
          error={errors.scopes}
        />
        <TextField
          id={`${prefix}-groupsClaim`}
          label="Groups claim"
          className="mono"
          required
          maxLength={100}
          value={value.groupsClaim}
          onChange={set('groupsClaim')}
          hint="The claim that lists a person’s groups at the provider."
          error={errors.groupsClaim}
        />
        <TextField
          id={`${prefix}-allowedDomains`}
          label="Allowed e-mail domains"
          className="mono"
          placeholder="example.com"
          value={value.allowedDomains}
          onChange={set('allowedDomains')}
          hint="Separated by spaces or commas; empty: any domain."
          error={errors.allowedDomains}
        />
        <TextField
          id={`${prefix}-apiAudience`}
          label="API audience (optional)"
          className="mono"
          maxLength={100}
          value={value.apiAudience}
          onChange={set('apiAudience')}
          hint="Accept the provider’s access tokens on the API when they name this audience; empty: none accepted."
          error={errors.apiAudience}
        />
      </div>
      <div className="field">
        <label className="check" htmlFor={`${prefix}-createUsers`}>
          <input
            id={`${prefix}-createUsers`}
            type="checkbox"
            checked={value.createUsers}
            onChange={(e) => set('createUsers')(e.target.checked)}
            aria-describedby={`${prefix}-createUsers-hint`}
          />
          Create people at their first sign-in
        </label>
        <span className="hint" id={`${prefix}-createUsers-hint`}>
          Otherwise only people Praetor already knows (by the provider’s verified e-mail address) may sign in.
        </span>
      </div>
    </>
  );
}
