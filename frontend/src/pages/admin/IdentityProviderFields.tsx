// The fields of an identity provider's settings, shared by the form that adds one and the form
// that edits one, and the client secret's field (adding, and replacing the secret). Each field
// shows the server's reason beside it when a VALIDATION error names it.

import type { ReactNode } from 'react';
import { TextField } from '../../components/Field';
import type { ProviderSettings } from '../../lib/identity';

/** The settings fields, by the names the server gives them in VALIDATION errors. */
export const SETTINGS_FIELDS = ['name', 'issuer', 'clientId', 'scopes', 'groupsClaim', 'allowedDomains', 'apiAudience', 'deviceClientId'] as const;
export type SettingsField = (typeof SETTINGS_FIELDS)[number];

type Errors = Partial<Record<string, string>>;

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
  /** What ties a text field to its setting: its id, value, setter and the server's error. */
  const bind = (key: Exclude<keyof ProviderSettings, 'createUsers'>) => ({
    id: `${prefix}-${key}`,
    value: value[key],
    onChange: set(key),
    error: errors[key],
  });
  return (
    <>
      <div className="field-grid">
        <TextField
          {...bind('name')}
          label="Name"
          required
          maxLength={100}
          placeholder="Okta"
          hint="Shown on the sign-in page: “Sign in with …”."
        />
        <TextField
          {...bind('issuer')}
          label="Issuer URL"
          type="url"
          inputMode="url"
          className="mono"
          required
          wide
          placeholder="https://login.example.com"
          hint="Its /.well-known/openid-configuration is fetched when you save, to check it."
        />
        <TextField {...bind('clientId')} label="Client ID" className="mono" required maxLength={100} />
        {secret}
        <TextField
          {...bind('scopes')}
          label="Scopes"
          className="mono"
          hint="Asked for beside openid; separated by spaces or commas. Add groups if the provider sends groups only when asked."
        />
        <TextField
          {...bind('groupsClaim')}
          label="Groups claim"
          className="mono"
          required
          maxLength={100}
          hint="The claim that lists a person’s groups at the provider."
        />
        <TextField
          {...bind('allowedDomains')}
          label="Allowed e-mail domains"
          className="mono"
          placeholder="example.com"
          hint="Separated by spaces or commas; empty: any domain."
        />
        <TextField
          {...bind('apiAudience')}
          label="API audience (optional)"
          className="mono"
          maxLength={100}
          hint="Accept the provider’s access tokens on the API when they name this audience; empty: none accepted."
        />
        <TextField
          {...bind('deviceClientId')}
          label="Command-line sign-in client (optional)"
          className="mono"
          maxLength={100}
          hint="A public client at the provider allowed the device authorization grant: praetor login signs in with it (needs the API audience); empty: the command line uses API keys."
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
