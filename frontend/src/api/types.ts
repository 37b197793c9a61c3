// Names for the GraphQL shapes the screens pass around, and the schema's enums they compare
// against. Each is generated (./generated, `npm run codegen`) from a fragment or operation in
// ./documents.ts, or from api/schema.graphql, so it has exactly the fields the app asks for,
// typed as the schema declares them. Only `Json` is written here: the generated code maps the
// schema's JSON scalar to it.

import type * as G from './generated/graphql';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type {
  AgentPlanner,
  ArbitrationStrategy,
  ForecastMethod,
  GrantStatus,
  InvitationPurpose,
  NotificationCategory,
  NotificationKind,
  PlanStatus,
  PolicyEffect,
  ReleaseMode,
  Risk,
  RollupGranularity,
  ScheduleOverlap,
  Scope,
  Severity,
  Verdict,
  WebhookDeliveryStatus,
} from './generated/graphql';

export type Actor = G.ActorFieldsFragment;

// Plans
export type DecisionCheck = G.DecisionCheckFieldsFragment;
export type PlanPreview = G.PreviewFieldsFragment;
export type PlanStep = G.PlanStepFieldsFragment;
export type ApprovalStageStatus = G.ApprovalStageFieldsFragment;
export type PlanEvent = G.PlanEventFieldsFragment;
export type StepProgress = G.PlanDetailQuery['plan']['progress'][number];
export type ActionInfo = G.ActionInfoFieldsFragment;
export type TemplateInfo = G.TemplateInfoFieldsFragment;

// Audit
export type AuditEvent = G.AuditEventFieldsFragment;
export type AuditChainStatus = G.AuditChainQuery['org']['auditChain'];

// Policy
export type PolicyDiagnostic = G.PolicyDiagnosticFieldsFragment;
export type PolicyVersion = G.PolicyVersionFieldsFragment;
export type PolicyProposal = G.PolicyProposalFieldsFragment;

// The viewer and administration
export type Viewer = G.ViewerQuery['viewer'];
export type OrgSummary = Viewer['orgs'][number];
export type Group = G.GroupFieldsFragment;
export type RoleGrant = G.RoleGrantFieldsFragment;
export type Secret = G.SecretFieldsFragment;

// Webhooks and triggers
export type WebhookEndpoint = G.WebhookEndpointFieldsFragment;
export type WebhookDelivery = G.WebhookDeliveryFieldsFragment;
export type WebhookAttempt = WebhookDelivery['attempts'][number];
export type WebhookEventKind = G.AdminWebhooksQuery['org']['webhookEventKinds'][number];
export type Trigger = G.TriggerFieldsFragment;

// Scheduled plans
export type Schedule = G.ScheduleFieldsFragment;

// Identity providers and local accounts
export type IdentityProvider = G.IdentityProviderFieldsFragment;
export type Invitation = G.InvitationFieldsFragment;

// Limits
export type Budget = G.BudgetFieldsFragment;
export type KillSwitchInForce = G.KillSwitchFieldsFragment;
export type AutonomyStatus = G.GovernanceQuery['project']['autonomy'];
export type RateLimitStatus = G.GovernanceQuery['project']['rateLimits'][number];
export type BudgetForecast = G.BudgetForecastFieldsFragment;
export type BudgetRecommendation = G.BudgetRecommendationQuery['project']['budgetRecommendation'];

// Chat
export type ChatEvent = G.ChatEventFieldsFragment;
export type ChatStepProgress = NonNullable<ChatEvent['step']>;
export type ChatArbitration = NonNullable<ChatEvent['arbitration']>;
export type ChatProposal = ChatArbitration['proposals'][number];
export type ChatSession = G.ChatSessionQuery['chatSession'];
export type Agent = G.AgentFieldsFragment;

// Rollups
export type RollupPoint = G.RollupPointFieldsFragment;
export type ProjectRollup = G.OrgRollupsQuery['org']['rollupsByProject'][number];
export type OrgRollup = G.InstanceRollupsQuery['instanceRollups']['orgs'][number];

// Notifications (named so, not `Notification`, which is the browser's own)
export type NotificationItem = G.NotificationFieldsFragment;
export type NotificationSetting = G.NotificationSettingFieldsFragment;
