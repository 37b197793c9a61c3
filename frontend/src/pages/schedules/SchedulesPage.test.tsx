// Tests of a project's schedules page: schedules listed with their cron and zone, template,
// arguments, overlap and catch-up rules, service account, paused or active, next slots and what
// the last slot came to with a link to its plan; pausing and resuming send the schedule's id;
// deleting takes a second click; the form sends what was chosen (template and its arguments,
// time zone, overlap, catch-up, service account), starting in the browser's zone; a VALIDATION
// error is shown beside the field it names; without `schedule.manage` nothing can be changed.

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import { MemoryRouter, Route, Routes } from 'react-router';
import { Provider, type Operation } from 'urql';
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../api/types';
import { formatTime } from '../../lib/format';
import { WorkspaceContext } from '../../session';
import { mockServer } from '../../test/mockClient';
import { WORKSPACE } from '../../test/workspace';
import { SchedulesPage } from './SchedulesPage';

const nightly: Schedule = {
  id: 'sch_1',
  name: 'nightly-release',
  projectSlug: 'web',
  cron: '0 2 * * *',
  timezone: 'Europe/Berlin',
  template: 'release',
  args: { service: 'web', version: 3 },
  overlap: 'QUEUE',
  catchUp: true,
  serviceAccount: 'ci-bot',
  paused: false,
  nextRunAt: '2026-12-04T01:00:00Z',
  upcoming: ['2026-12-04T01:00:00Z', '2026-12-05T01:00:00Z', '2026-12-06T01:00:00Z'],
  lastSlot: '2026-12-03T01:00:00Z',
  lastOutcome: 'proposed pln_7 (pending_approval)',
  lastPlanId: 'pln_7',
  createdAt: '2026-12-01T10:00:00Z',
};

const weekly: Schedule = {
  ...nightly,
  id: 'sch_2',
  name: 'weekly-restart',
  cron: '0 30 9 * * MON',
  timezone: 'UTC',
  template: 'restart',
  args: {},
  overlap: 'SKIP',
  catchUp: false,
  paused: true,
  nextRunAt: null,
  upcoming: ['2026-12-07T09:30:00Z', '2026-12-14T09:30:00Z', '2026-12-21T09:30:00Z'],
  lastSlot: '2026-11-30T09:30:00Z',
  lastOutcome: 'refused: RATE_LIMITED deploy-rate allows 5 per minute',
  lastPlanId: null,
};

const TEMPLATES = [
  {
    name: 'release',
    description: 'Deploy to staging, then to production',
    params: {
      type: 'object',
      required: ['service'],
      properties: { service: { type: 'string', enum: ['web', 'api', 'worker'] }, version: { type: 'integer', default: 1 } },
    },
  },
  { name: 'restart', description: 'Restart a service', params: { type: 'object' } },
];

const name = (op: Operation) => getOperationAST(op.query)?.name?.value ?? '';
const scheduleOf = (s: Schedule) => ({ __typename: 'Schedule', ...s });

function renderPage(mutate: (op: Operation) => ExecutionResult = () => ({ data: {} }), canManage = true) {
  const mock = mockServer((op) => {
    switch (name(op)) {
      case 'ProjectSchedules':
        return {
          data: {
            org: { __typename: 'Org', id: 'org_1', canManage },
            project: { __typename: 'Project', id: 'prj_1', slug: 'web', name: 'Web', schedules: [nightly, weekly].map(scheduleOf) },
          },
        };
      case 'ProjectTemplates':
        return {
          data: {
            project: {
              __typename: 'Project',
              id: 'prj_1',
              effectivePolicy: { __typename: 'EffectivePolicy', version: 'org@1', templates: TEMPLATES.map((t) => ({ __typename: 'TemplateInfo', ...t })) },
            },
          },
        };
      case 'ScheduleServiceAccounts':
        return {
          data: {
            org: {
              __typename: 'Org',
              id: 'org_1',
              serviceAccounts: {
                __typename: 'ServiceAccountConnection',
                nodes: [
                  { __typename: 'ServiceAccount', id: 'sa_1', name: 'ci-bot' },
                  { __typename: 'ServiceAccount', id: 'sa_2', name: 'pager' },
                ],
              },
            },
          },
        };
      default:
        return mutate(op);
    }
  });
  const view = render(
    <MemoryRouter initialEntries={['/orgs/demo/projects/web/schedules']}>
      <Provider value={mock.client}>
        <WorkspaceContext.Provider value={WORKSPACE}>
          <Routes>
            <Route path="/orgs/:org/projects/:project/schedules" element={<SchedulesPage />} />
          </Routes>
        </WorkspaceContext.Provider>
      </Provider>
    </MemoryRouter>,
  );
  const mutations = () => mock.operations.filter((op) => op.kind === 'mutation').map((op) => [name(op), op.variables]);
  const asked = () => mock.operations.map(name);
  return { ...view, mutations, asked };
}

/** Each fact of a schedule as [term, text]. */
const factsOf = (item: HTMLElement) => [...item.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]);

const fillForm = () => {
  fireEvent.change(screen.getByLabelText('Schedule name'), { target: { value: 'morning-release' } });
  fireEvent.change(screen.getByLabelText('Cron'), { target: { value: '0 9 * * MON-FRI' } });
  fireEvent.change(screen.getByLabelText('Plan template'), { target: { value: 'release' } });
};

describe('SchedulesPage', () => {
  it('lists each schedule with its rules, next slots and last outcome, paused or active', async () => {
    renderPage();
    const active = await screen.findByRole('article', { name: 'nightly-release' });
    expect(factsOf(active)).toEqual([
      ['Cron', '0 2 * * * in Europe/Berlin'],
      ['Template', 'release'],
      ['Arguments', '{"service":"web","version":3}'],
      ['While unfinished', 'Propose anyway (it waits its turn)'],
      ['Catch-up', 'runs missed slots'],
      ['Proposes as', 'ci-bot'],
      ['Next run', expect.stringContaining(formatTime('2026-12-04T01:00:00Z'))],
      ['Upcoming', nightly.upcoming.map(formatTime).join('')],
      ['Last slot', formatTime('2026-12-03T01:00:00Z')],
      ['Last outcome', 'proposed pln_7 (pending_approval)'],
      ['Last plan', 'pln_7'],
    ]);
    const slots = within(within(active).getByRole('list', { name: 'Upcoming slots of nightly-release' })).getAllByRole('listitem');
    expect(slots.map((li) => li.querySelector('time')!.getAttribute('dateTime'))).toEqual(nightly.upcoming);
    expect(within(active).getByText('active').className).toContain('tone-ok');
    expect(within(active).getByTestId('schedule-outcome').className).toBe('tone-text-ok');
    expect(within(active).getByRole('link', { name: 'pln_7' }).getAttribute('href')).toBe('/orgs/demo/projects/web/plans/pln_7');
    expect(within(active).getByRole('button', { name: 'Pause' })).toBeTruthy();

    const paused = screen.getByRole('article', { name: 'weekly-restart' });
    expect(within(paused).getByText('paused').className).toContain('tone-warn');
    const facts = Object.fromEntries(factsOf(paused));
    expect(facts).toMatchObject({
      Cron: '0 30 9 * * MON in UTC',
      'While unfinished': 'Skip the slot',
      'Catch-up': 'skips missed slots',
      'Next run': 'none while paused',
      'Slots after now': weekly.upcoming.map(formatTime).join(''),
      'Last outcome': 'refused: RATE_LIMITED deploy-rate allows 5 per minute',
    });
    expect(facts).not.toHaveProperty('Last plan');
    expect(within(paused).getByTestId('schedule-outcome').className).toBe('tone-text-bad');
    expect(within(paused).getByRole('button', { name: 'Resume' })).toBeTruthy();
    expect(within(paused).queryByRole('button', { name: 'Pause' })).toBeNull();
  });

  it('pauses and resumes a schedule by its id', async () => {
    const { mutations } = renderPage((op) =>
      name(op) === 'PauseSchedule'
        ? { data: { pauseSchedule: scheduleOf({ ...nightly, paused: true, nextRunAt: null }) } }
        : { data: { resumeSchedule: scheduleOf({ ...weekly, paused: false }) } },
    );
    const active = await screen.findByRole('article', { name: 'nightly-release' });
    fireEvent.click(within(active).getByRole('button', { name: 'Pause' }));
    await waitFor(() => expect(screen.getByTestId('schedule-done').textContent).toBe('Paused the schedule nightly-release.'));
    fireEvent.click(within(screen.getByRole('article', { name: 'weekly-restart' })).getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(screen.getByTestId('schedule-done').textContent).toBe('Resumed the schedule weekly-restart.'));
    expect(mutations()).toEqual([
      ['PauseSchedule', { id: 'sch_1' }],
      ['ResumeSchedule', { id: 'sch_2' }],
    ]);
  });

  it('deletes only after a confirmation that names the schedule', async () => {
    const { mutations } = renderPage(() => ({ data: { deleteSchedule: true } }));
    const item = await screen.findByRole('article', { name: 'nightly-release' });
    fireEvent.click(within(item).getByRole('button', { name: 'Delete…' }));
    const confirm = within(item).getByRole('dialog', { name: 'Delete the schedule nightly-release?' });
    expect(confirm.textContent).toContain('No slot of it (0 2 * * * in Europe/Berlin) runs from now on');
    expect(document.activeElement).toBe(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(mutations()).toEqual([]);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete schedule' }));
    await waitFor(() => expect(screen.getByTestId('schedule-done').textContent).toBe('Deleted the schedule nightly-release.'));
    expect(mutations()).toEqual([['DeleteSchedule', { id: 'sch_1' }]]);
  });

  it('sends the chosen template and arguments, time zone, overlap, catch-up and service account', async () => {
    const created: Schedule = { ...nightly, id: 'sch_9', name: 'morning-release', lastSlot: null, lastOutcome: null, lastPlanId: null };
    const { mutations } = renderPage(() => ({ data: { createSchedule: scheduleOf(created) } }));
    await screen.findByRole('option', { name: 'release' });
    await screen.findByRole('option', { name: 'pager' });
    // The zone starts as the browser's; the cron's hint shows the seconds are optional.
    const zone = screen.getByLabelText<HTMLInputElement>('Time zone');
    expect(zone.value).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
    expect(document.getElementById('schedule-cron-hint')!.textContent).toBe('seconds optional, e.g. 0 9 * * MON-FRI');
    expect(screen.getByLabelText<HTMLInputElement>('Catch up on missed slots').checked).toBe(true);

    fillForm();
    // The template's parameters become fields, with its defaults.
    expect(document.getElementById('schedule-template-hint')!.textContent).toBe('Deploy to staging, then to production');
    fireEvent.change(screen.getByLabelText(/^service/), { target: { value: 'api' } });
    fireEvent.change(zone, { target: { value: 'Europe/Berlin' } });
    fireEvent.change(screen.getByLabelText('While the last run is unfinished'), { target: { value: 'QUEUE' } });
    fireEvent.click(screen.getByLabelText('Catch up on missed slots'));
    fireEvent.change(screen.getByLabelText('Proposes as'), { target: { value: 'pager' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create schedule' }));

    await waitFor(() =>
      expect(screen.getByTestId('schedule-done').textContent).toBe(`Created the schedule morning-release; its first slot is ${formatTime(nightly.nextRunAt)}.`),
    );
    expect(mutations()).toEqual([
      [
        'CreateSchedule',
        {
          input: {
            org: 'demo',
            project: 'web',
            name: 'morning-release',
            cron: '0 9 * * MON-FRI',
            timezone: 'Europe/Berlin',
            template: 'release',
            args: { service: 'api', version: 1 },
            overlap: 'QUEUE',
            catchUp: false,
            serviceAccount: 'pager',
          },
        },
      ],
    ]);
  });

  it('shows a VALIDATION error beside the field it names', async () => {
    renderPage(() => ({
      errors: [
        new GraphQLError('`0 9 * *` has 4 fields; cron has 5 (minute hour day month weekday) or 6 (seconds first)', {
          extensions: { code: 'VALIDATION', field: 'cron' },
        }),
      ],
    }));
    await screen.findByRole('option', { name: 'release' });
    await screen.findByRole('option', { name: 'pager' });
    fillForm();
    fireEvent.change(screen.getByLabelText('Cron'), { target: { value: '0 9 * *' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create schedule' }));
    const cron = screen.getByLabelText('Cron');
    await waitFor(() => expect(cron.getAttribute('aria-invalid')).toBe('true'));
    const error = document.getElementById('schedule-cron-error')!;
    expect(error.textContent).toBe('`0 9 * *` has 4 fields; cron has 5 (minute hour day month weekday) or 6 (seconds first)');
    expect(error.closest('.field')).toBe(cron.closest('.field'));
    expect(cron.getAttribute('aria-describedby')!.split(' ')).toEqual(['schedule-cron-hint', 'schedule-cron-error']);
    expect(screen.getByLabelText('Time zone').getAttribute('aria-invalid')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByTestId('schedule-done')).toBeNull();
  });

  it('shows a refusal that names no field once, for the whole form', async () => {
    renderPage(() => ({ errors: [new GraphQLError('not allowed to manage schedules', { extensions: { code: 'FORBIDDEN' } })] }));
    await screen.findByRole('option', { name: 'pager' });
    await screen.findByRole('option', { name: 'release' });
    fillForm();
    fireEvent.click(screen.getByRole('button', { name: 'Create schedule' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('not allowed to manage schedules FORBIDDEN');
    expect(document.querySelectorAll('[aria-invalid="true"]')).toHaveLength(0);
  });

  it('without schedule.manage lists the schedules but offers nothing to change', async () => {
    const { asked } = renderPage(undefined, false);
    const item = await screen.findByRole('article', { name: 'nightly-release' });
    expect(within(item).getByTestId('schedule-outcome').textContent).toBe('proposed pln_7 (pending_approval)');
    expect(screen.queryAllByRole('button')).toEqual([]);
    expect(screen.queryByRole('form', { name: 'Schedule a plan' })).toBeNull();
    expect(new Set(asked())).toEqual(new Set(['ProjectSchedules']));
  });
});
