// Tests of landing in an organization: once the inbox count and the rights are known, "/orgs/:org"
// leads to where the person's work is; a person who went somewhere else while it waited (a header
// link clicked before the effect ran) is not taken back.

import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { BrowserRouter, Route, Routes } from 'react-router';
import type { Viewer } from '../api/types';
import { NO_RIGHTS, SessionContext, WorkspaceContext, type Workspace } from '../session';
import { OrgRedirect } from './Redirects';

const viewer: Viewer = {
  kind: 'USER' as Viewer['kind'],
  id: 'usr_1',
  name: 'alice',
  instanceAdmin: false,
  user: { id: 'usr_1', email: 'alice@demo.test', displayName: 'Alice' },
  orgs: [{ id: 'org_1', slug: 'demo', name: 'Demo', projects: { nodes: [{ id: 'prj_1', slug: 'web', name: 'Web', description: '' }] } }],
};

function workspace(settled: boolean, approvalsWaiting: number): Workspace {
  return {
    org: viewer.orgs[0],
    project: 'web',
    rights: { ...NO_RIGHTS, chatRead: true },
    activity: 0,
    recentEvents: [],
    approvalsWaiting,
    settled,
  };
}

function App({ ws }: { ws: Workspace }) {
  return (
    <SessionContext.Provider value={{ viewer, signOut: async () => {} }}>
      <WorkspaceContext.Provider value={ws}>
        <BrowserRouter>
          <Routes>
            <Route path="/orgs/:org" element={<OrgRedirect />} />
            <Route path="/orgs/:org/approvals" element={<p>inbox</p>} />
            <Route path="/orgs/:org/projects/:project/chat" element={<p>chat</p>} />
            <Route path="/orgs/:org/projects/:project/policy" element={<p>policy</p>} />
          </Routes>
        </BrowserRouter>
      </WorkspaceContext.Provider>
    </SessionContext.Provider>
  );
}

afterEach(() => window.history.replaceState(null, '', '/'));

describe('OrgRedirect', () => {
  it('waits for the inbox count, then opens the inbox when plans wait', async () => {
    window.history.replaceState(null, '', '/orgs/demo');
    const { rerender } = render(<App ws={workspace(false, 2)} />);
    expect(screen.getByText(/your work/)).toBeTruthy();
    rerender(<App ws={workspace(true, 2)} />);
    expect(await screen.findByText('inbox')).toBeTruthy();
    expect(window.location.pathname).toBe('/orgs/demo/approvals');
  });

  it('opens the project chat when nothing waits', async () => {
    window.history.replaceState(null, '', '/orgs/demo');
    const { rerender } = render(<App ws={workspace(false, 0)} />);
    rerender(<App ws={workspace(true, 0)} />);
    expect(await screen.findByText('chat')).toBeTruthy();
    expect(window.location.pathname).toBe('/orgs/demo/projects/web/chat');
  });

  it('leaves a person where they went while it waited', async () => {
    window.history.replaceState(null, '', '/orgs/demo');
    const { rerender } = render(<App ws={workspace(false, 2)} />);
    // The address changed (a link's navigation) before the landing effect runs.
    window.history.pushState(null, '', '/orgs/demo/projects/web/policy');
    await act(async () => rerender(<App ws={workspace(true, 2)} />));
    expect(window.location.pathname).toBe('/orgs/demo/projects/web/policy');
    expect(screen.queryByText('inbox')).toBeNull();
  });
});
