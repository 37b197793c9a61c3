// The account page's Notifications section: in-app notifications always arrive (the header's
// bell); e-mail is chosen per category, one checkbox each, saved as it is ticked. When the
// instance has no SMTP server the boxes are shown, disabled, with the reason.

import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { NOTIFICATION_SETTINGS, SET_NOTIFICATION_EMAIL } from '../api/documents';
import { problemOf, type Problem } from '../api/errors';
import type { NotificationCategory, NotificationSetting } from '../api/types';
import { Loading, ProblemNote } from '../components/ProblemNote';
import { emailLabel } from '../lib/notifications';

export const NO_EMAIL_NOTE = 'This instance sends no e-mail (no SMTP server is configured).';

export function NotificationSettings({ email }: { email: string | null }) {
  const [{ data, error }] = useQuery({ query: NOTIFICATION_SETTINGS, requestPolicy: 'cache-and-network' });
  const [, setEmail] = useMutation(SET_NOTIFICATION_EMAIL);
  // What the person chose and the server has not confirmed yet, shown meanwhile.
  const [pending, setPending] = useState<Partial<Record<NotificationCategory, boolean>>>({});
  // The server's answer to each choice made here: the settings query is read again after a
  // change, and this keeps the box from flicking back meanwhile.
  const [saved, setSaved] = useState<Partial<Record<NotificationCategory, boolean>>>({});
  const [problem, setProblem] = useState<Problem | null>(null);

  const sends = data?.viewer.emailNotifications ?? false;
  const choose = async (setting: NotificationSetting, on: boolean) => {
    if (!sends) return;
    setProblem(null);
    setPending((p) => ({ ...p, [setting.category]: on }));
    const res = await setEmail({ input: { category: setting.category, email: on } });
    setPending(({ [setting.category]: _, ...rest }) => rest);
    if (res.error || !res.data) {
      setProblem(problemOf(res.error));
      return;
    }
    setSaved((s) => ({ ...s, [setting.category]: res.data!.setNotificationEmail.email }));
  };

  return (
    <section className="card" aria-labelledby="notifications-title">
      <h2 id="notifications-title" className="card-title">
        Notifications
      </h2>
      <p className="muted">
        What concerns you (plans waiting for your approval, your own plans, access requests, kill switches) shows under the bell at the top of
        every page. Choose what also comes by e-mail{email && <> to {email}</>}.
      </p>
      <ProblemNote error={data ? null : error} title="Cannot load your notification settings" />
      {!data && !error && <Loading what="your notification settings" />}
      {data && (
        <fieldset className="notification-settings" aria-describedby={sends ? undefined : 'no-email-note'}>
          <legend className="visually-hidden">E-mail</legend>
          {!sends && (
            <p className="notice tone-info" id="no-email-note">
              {NO_EMAIL_NOTE}
            </p>
          )}
          <ul className="plain">
            {data.viewer.notificationSettings.map((s) => {
              const busy = s.category in pending;
              const checked = pending[s.category] ?? saved[s.category] ?? s.email;
              return (
                <li key={s.category}>
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={checked}
                      disabled={!sends || busy}
                      aria-busy={busy || undefined}
                      onChange={(e) => void choose(s, e.target.checked)}
                    />
                    {emailLabel(s.label)}
                  </label>
                </li>
              );
            })}
          </ul>
        </fieldset>
      )}
      <ProblemNote problem={problem} title="Cannot save the choice" />
    </section>
  );
}
