// A rollup point for tests: an empty period starting at `start`, with the fields a test names.

import type { RollupPoint } from '../api/types';

export function point(start: string, over: Partial<RollupPoint> = {}): RollupPoint {
  return {
    start,
    plansProposed: 0,
    plansSucceeded: 0,
    plansFailed: 0,
    plansCancelled: 0,
    plansRejected: 0,
    plansExpired: 0,
    plansKilled: 0,
    byHumans: 0,
    byAgents: 0,
    byIntegrations: 0,
    stepsRun: 0,
    stepsFailed: 0,
    spend: 0,
    refusals: [],
    approvals: 0,
    approvalLatencyP50Seconds: null,
    approvalLatencyP95Seconds: null,
    chatMessages: 0,
    chatSessions: 0,
    killSwitchesEngaged: 0,
    killSwitchSeconds: 0,
    ...over,
  };
}
