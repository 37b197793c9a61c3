// TypeScript shapes of the GraphQL objects the app reads (see api/schema.graphql, the
// contract). Only the fields the queries in ./documents.ts ask for are listed.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type Verdict = 'ALLOWED' | 'NEEDS_APPROVAL' | 'DENIED';

export interface Actor {
  kind: string;
  id: string;
  name: string;
}

export interface PolicyRuleRef {
  policy: string;
  rule: string;
  level: string;
  version: string;
  file: string;
  line: number;
}

export interface DecisionCheck {
  name: string;
  verdict: Verdict;
  code: string;
  message: string;
  rule: PolicyRuleRef | null;
  /** When a refusal that passes with time (rate limit, closed window) would pass. */
  retryAt?: string | null;
}

export interface ApprovalStageSpec {
  name: string;
  groups: string[];
  count: number;
  rule: string;
}

export interface StateChange {
  path: string;
  before: Json | null;
  after: Json | null;
}

export interface StepPreview {
  id: string;
  action: string;
  verdict: Verdict;
  checks: DecisionCheck[];
  approvals: ApprovalStageSpec[];
  cost: number;
  risk: string;
  stateDiff: StateChange[];
}

export interface PlanPreview {
  verdict: Verdict;
  cost: number;
  risk: string;
  reasonCodes: string[];
  approvals: ApprovalStageSpec[];
  steps: StepPreview[];
  policyVersion: string;
  /** Checks of the plan as a whole (budget, autonomy). */
  checks: DecisionCheck[];
  unattended: boolean;
  autoRun: boolean;
}

export interface PlanStep {
  id: string;
  action: string;
  params: Json;
  when: string | null;
  onFailure: string;
}

export interface Approval {
  approver: string;
  decision: string;
  comment: string;
  createdAt: string;
}

export interface ApprovalStageStatus {
  index: number;
  name: string;
  groups: string[];
  count: number;
  satisfied: boolean;
  approvals: Approval[];
}

export interface StepProgress {
  id: string;
  status: string;
  attempts: number;
  output: Json | null;
  error: string | null;
}

export interface PlanEvent {
  seq: number;
  kind: string;
  data: Json;
  stateHash: string | null;
  occurredAt: string;
}

export interface PlanSummary {
  id: string;
  title: string;
  status: string;
  verdict: string;
  cost: number;
  risk: string;
  createdAt: string;
  updatedAt: string;
  proposer: Actor[];
  project: { slug: string; name: string };
}

export interface Plan extends PlanSummary {
  planHash: string;
  policyVersion: string;
  runWhenApproved: boolean;
  expiresAt: string | null;
  stateHash: string | null;
  steps: PlanStep[];
  preview: PlanPreview;
  approvalStages: ApprovalStageStatus[];
  progress: StepProgress[];
  events: { nodes: PlanEvent[]; pageInfo: PageInfo };
  canApprove: boolean;
  canReject: boolean;
  canExecute: boolean;
  canCancel: boolean;
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface ReplayReport {
  identical: boolean;
  events: number;
  stateHash: string | null;
  decisionsChecked: number;
  divergedAt: number | null;
  reason: string | null;
  recorded: string | null;
  recomputed: string | null;
}

export interface AuditEvent {
  id: string;
  seq: number;
  occurredAt: string;
  requestId: string;
  actor: Actor[];
  kind: string;
  subject: string;
  payload: Json;
  hash: string;
  prevHash: string;
}

export interface AuditChainStatus {
  ok: boolean;
  entries: number;
  headSeq: number;
  firstBrokenSeq: number | null;
  firstBrokenId: string | null;
  reason: string | null;
}

export interface ActionInfo {
  name: string;
  description: string;
  risk: string;
  cost: string;
  aliases: string[];
  params: Json;
  builtin: boolean;
}

export interface TemplateInfo {
  name: string;
  description: string;
  aliases: string[];
  params: Json;
  steps: string[];
}

export interface EffectiveRule {
  policy: string;
  rule: string;
  level: string;
  version: string;
  file: string;
  line: number;
  actions: string[];
  effect: string;
  when: string | null;
  reason: string | null;
  approvals: string[];
}

export interface EffectivePolicy {
  version: string;
  rules: EffectiveRule[];
  actions: ActionInfo[];
  templates: TemplateInfo[];
  governance: Json;
}

export interface PolicyDiagnostic {
  code: string;
  severity: string;
  message: string;
  file: string;
  line: number;
  column: number;
  path: string;
}

export interface PolicyVersion {
  id: string;
  scope: string;
  version: number;
  hash: string;
  author: Actor[];
  comment: string;
  diff: string;
  sources: { name: string; text: string }[];
  createdAt: string;
}

export interface PolicyChange {
  kind: string;
  policy: string;
  rule: string;
  actions: string[];
  when: string | null;
  before: string | null;
  after: string | null;
}

export interface PolicyDiffResult {
  fromVersion: string;
  toVersion: string;
  changes: PolicyChange[];
  impact: {
    decisionsChecked: number;
    newlyDenied: number;
    newlyAllowed: number;
    newlyNeedingApproval: number;
    unchanged: number;
  };
}

export interface User {
  id: string;
  email: string;
  displayName: string;
}

export interface Group {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  members: Pick<User, 'id' | 'email'>[];
}

export interface ServiceAccount {
  id: string;
  name: string;
  description: string;
  createdAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  ownerKind: string;
  ownerId: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface RoleBinding {
  id: string;
  role: string;
  subjectKind: string;
  subjectId: string;
  scope: string;
  project: { slug: string } | null;
  createdAt: string;
}

export interface ProjectSummary {
  id: string;
  slug: string;
  name: string;
  description: string;
}

export interface OrgSummary {
  id: string;
  slug: string;
  name: string;
  projects: { nodes: ProjectSummary[] };
}

export interface Viewer {
  kind: string;
  id: string;
  name: string;
  user: User | null;
  instanceAdmin: boolean;
  orgs: OrgSummary[];
}

export interface Connection<T> {
  nodes: T[];
  pageInfo: PageInfo;
}

export interface Budget {
  limit: number | null;
  unit: string;
  timezone: string;
  policy: string | null;
  day: string;
  spent: number;
  reserved: number;
  remaining: number | null;
  resetsAt: string;
  alertAt: number[];
}

export interface KillSwitchInForce {
  scope: string;
  reason: string;
  engagedBy: string;
  engagedAt: string | null;
}

export interface AutonomyStatus {
  configured: boolean;
  mode: string;
  maxRisk: string | null;
  maxCostPerPlan: number | null;
  maxPlansPerHour: number | null;
  paused: boolean;
  pausedBy: string | null;
  pauseReason: string | null;
  pausedAt: string | null;
  unattendedPlansLastHour: number;
}

export interface RateLimitStatus {
  name: string;
  scope: string;
  actions: string[];
  perMinute: number | null;
  perHour: number | null;
  proposalsLastMinute: number;
  proposalsLastHour: number;
  executionsLastMinute: number;
  executionsLastHour: number;
}

export interface ExecutionWindow {
  name: string;
  level: string;
  actions: string[];
  days: string[];
  from: string;
  to: string;
  timezone: string;
  open: boolean;
  nextOpen: string | null;
}

export interface RoleGrant {
  id: string;
  subjectKind: string;
  subject: string;
  role: string;
  scope: string;
  validFrom: string;
  validUntil: string;
  reason: string;
  status: string;
  requestedBy: string;
  decidedBy: string | null;
  decidedAt: string | null;
  createdAt: string;
}

// Chat (see ChatEvent, ChatSession in the schema).

export type ChatEventKind =
  | 'USER_MESSAGE'
  | 'TEXT_DELTA'
  | 'MESSAGE_COMPLETED'
  | 'SYSTEM_MESSAGE'
  | 'PROPOSALS_RANKED'
  | 'PLAN_PROPOSED'
  | 'APPROVAL_REQUESTED'
  | 'PLAN_STATUS'
  | 'STEP_PROGRESS'
  | 'PLAN_FINISHED';

export interface ChatStepProgress {
  index: number;
  stepId: string;
  action: string;
  status: string;
  attempt: number | null;
  output?: Json | null;
  error: string | null;
}

export interface ChatProposal {
  id: string;
  agent: string;
  rank: number;
  eligible: boolean;
  chosen: boolean;
  support: number;
  verdict: string | null;
  cost: number;
  risk: string;
  approvalsNeeded: number;
  blastRadius: { stateKeys: number; externalCalls: number };
  summary: string | null;
  explanation: string | null;
  error: string | null;
  steps: PlanStep[] | null;
  preview: PlanPreview | null;
}

export interface ChatArbitration {
  strategy: string;
  reason: string;
  chosenProposalId: string | null;
  proposals: ChatProposal[];
}

export interface ChatEvent {
  id: string | null;
  seq: number;
  kind: ChatEventKind;
  ephemeral: boolean;
  /** Streamed text that is all an agent has said so far in its answer (what a subscriber
   * arriving mid-answer gets first): it replaces the stream rather than extending it. */
  fromStart?: boolean;
  createdAt: string;
  role: 'USER' | 'ASSISTANT' | 'SYSTEM' | null;
  text: string | null;
  author: Actor | null;
  agent: string | null;
  code: string | null;
  inReplyTo: number | null;
  /** On an answer proposing a plan after agents were ranked: the proposal it came from. */
  proposalId: string | null;
  suggestions: string[];
  planId: string | null;
  status: string | null;
  verdict: string | null;
  detail: string | null;
  by: Actor | null;
  planHash: string | null;
  proposer: Actor[];
  preview: PlanPreview | null;
  steps: PlanStep[] | null;
  approval: { stage: number; name: string; groups: string[]; count: number } | null;
  step: ChatStepProgress | null;
  arbitration: ChatArbitration | null;
}

export interface ChatMemory {
  facts: Json;
  lastPlan: string | null;
  summary: string;
  empty: boolean;
}

export interface ChatSessionSummary {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  owner: Actor;
  lastSeq: number;
}

export interface ChatSession extends ChatSessionSummary {
  viewerCanWrite: boolean;
  memory: ChatMemory;
  currentPlan: { id: string; status: string } | null;
  pendingChoice: { strategy: string; proposals: { id: string; agent: string; eligible: boolean }[] } | null;
}

export interface Agent {
  id: string;
  name: string;
  description: string;
  planner: 'ALIAS' | 'LLM';
  role: string[];
  enabled: boolean;
}

export interface ChatSettings {
  strategy: string;
  strategyLabel: string;
  consensus: number | null;
  agents: Pick<Agent, 'id' | 'name' | 'planner' | 'description' | 'enabled'>[];
}
