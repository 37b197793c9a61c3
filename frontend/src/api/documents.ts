// The GraphQL operations of the app, in one place so the contract with api/schema.graphql is
// easy to review. `npm run codegen` reads this file and generates, in ./generated, a typed
// document for every `graphql(...)` call below and the TypeScript types of its variables and
// result (named after the operation: `query ProjectPlans` gives `ProjectPlansQuery`), and one
// type per fragment (`PreviewFields` gives `PreviewFieldsFragment`). An operation that spreads
// a fragment carries the fragment's definition with it: nothing is appended by hand.
//
// The text of each call must be a plain literal (no `${}`): the generated code finds its
// document by that exact text.

import { graphql } from './generated';

// Fragments: selections several operations share, and the named types of ./types.ts.

export const ACTOR_FIELDS = graphql(`
  fragment ActorFields on Actor {
    kind id name
  }
`);

export const DECISION_CHECK_FIELDS = graphql(`
  fragment DecisionCheckFields on DecisionCheck {
    name verdict code message retryAt
    rule { policy rule level version file line }
  }
`);

export const PREVIEW_FIELDS = graphql(`
  fragment PreviewFields on PlanPreview {
    verdict cost risk reasonCodes policyVersion unattended autoRun
    approvals { name groups count rule }
    checks { ...DecisionCheckFields }
    steps {
      id action verdict cost risk
      checks { ...DecisionCheckFields }
      approvals { name groups count rule }
      stateDiff { path before after }
    }
  }
`);

export const PLAN_STEP_FIELDS = graphql(`
  fragment PlanStepFields on PlanStep {
    id action params when onFailure
  }
`);

export const PLAN_SUMMARY_FIELDS = graphql(`
  fragment PlanSummaryFields on Plan {
    id title status verdict cost risk createdAt updatedAt
    proposer { ...ActorFields }
    project { slug name }
  }
`);

export const APPROVAL_STAGE_FIELDS = graphql(`
  fragment ApprovalStageFields on ApprovalStageStatus {
    index name groups count satisfied
    approvals { approver decision comment createdAt }
  }
`);

export const PLAN_EVENT_FIELDS = graphql(`
  fragment PlanEventFields on PlanEventGql {
    seq kind data stateHash occurredAt
  }
`);

export const ACTION_INFO_FIELDS = graphql(`
  fragment ActionInfoFields on ActionInfo {
    name description risk cost aliases params builtin
  }
`);

export const TEMPLATE_INFO_FIELDS = graphql(`
  fragment TemplateInfoFields on TemplateInfo {
    name description aliases params steps
  }
`);

export const AUDIT_EVENT_FIELDS = graphql(`
  fragment AuditEventFields on AuditEvent {
    id seq occurredAt requestId kind subject payload hash prevHash
    actor { ...ActorFields }
  }
`);

export const POLICY_VERSION_FIELDS = graphql(`
  fragment PolicyVersionFields on PolicyVersion {
    id scope project version hash comment diff createdAt
    author { ...ActorFields }
    sources { name text }
  }
`);

export const POLICY_DIAGNOSTIC_FIELDS = graphql(`
  fragment PolicyDiagnosticFields on PolicyDiagnostic {
    code severity message file line column path
  }
`);

export const BUDGET_FIELDS = graphql(`
  fragment BudgetFields on Budget {
    limit unit timezone policy day spent reserved remaining resetsAt alertAt
  }
`);

export const KILL_SWITCH_FIELDS = graphql(`
  fragment KillSwitchFields on KillSwitchInForce {
    scope reason engagedBy engagedAt
  }
`);

export const ROLE_GRANT_FIELDS = graphql(`
  fragment RoleGrantFields on RoleGrant {
    id subjectKind subject role scope project validFrom validUntil reason status requestedBy decidedBy decidedAt createdAt viewerCanDecide
  }
`);

export const GROUP_FIELDS = graphql(`
  fragment GroupFields on Group {
    id name description createdAt
    members { id email }
  }
`);

// Plans

export const VIEWER = graphql(`
  query Viewer {
    viewer {
      kind id name instanceAdmin
      user { id email displayName }
      orgs { id slug name projects(first: 100) { nodes { id slug name description } } }
    }
  }
`);

export const ORG_RIGHTS = graphql(`
  query OrgRights($org: String!, $project: String) {
    org(slug: $org) {
      id
      auditRead: viewerCan(operation: "audit.read")
      policyRead: viewerCan(operation: "policy.read", project: $project)
      policyWrite: viewerCan(operation: "policy.write", project: $project)
      propose: viewerCan(operation: "plan.propose", project: $project)
      chatRead: viewerCan(operation: "chat.read", project: $project)
      chatWrite: viewerCan(operation: "chat.write", project: $project)
      approve: viewerCan(operation: "plan.approve", project: $project)
      projectCreate: viewerCan(operation: "project.create")
      groupManage: viewerCan(operation: "group.manage")
      roleBind: viewerCan(operation: "role.bind")
    }
  }
`);

export const PROJECT_PLANS = graphql(`
  query ProjectPlans($org: String!, $project: String!, $status: PlanStatus, $after: String) {
    project(org: $org, slug: $project) {
      id slug name
      plans(first: 25, after: $after, status: $status) {
        nodes { ...PlanSummaryFields }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

export const PROJECT_ACTIONS = graphql(`
  query ProjectActions($org: String!, $project: String!) {
    project(org: $org, slug: $project) {
      id
      effectivePolicy {
        version
        actions { ...ActionInfoFields }
        templates { ...TemplateInfoFields }
      }
    }
  }
`);

export const SIMULATE_PLAN = graphql(`
  mutation SimulatePlan($input: SimulatePlanInput!) {
    simulatePlan(input: $input) {
      planHash
      steps { ...PlanStepFields }
      preview { ...PreviewFields }
    }
  }
`);

export const PROPOSE_PLAN = graphql(`
  mutation ProposePlan($input: ProposePlanInput!) {
    proposePlan(input: $input) { id status verdict }
  }
`);

export const PLAN_DETAIL = graphql(`
  query PlanDetail($id: ID!, $org: String!) {
    plan(id: $id) {
      ...PlanSummaryFields
      planHash policyVersion runWhenApproved expiresAt stateHash
      steps { ...PlanStepFields }
      preview { ...PreviewFields }
      approvalStages { ...ApprovalStageFields }
      progress { id status attempts output error }
      events(first: 100) { nodes { ...PlanEventFields } pageInfo { hasNextPage endCursor } }
      canApprove: viewerCan(operation: "plan.approve")
      canReject: viewerCan(operation: "plan.reject")
      canExecute: viewerCan(operation: "plan.execute")
      canCancel: viewerCan(operation: "plan.cancel")
    }
    approvalRequests(org: $org) { id }
  }
`);

export const PLAN_PROJECT = graphql(`
  query PlanProject($id: ID!) { plan(id: $id) { id project { slug } } }
`);

export const PLAN_EVENTS = graphql(`
  subscription PlanEvents($planId: ID!, $after: Int) {
    planEvents(planId: $planId, after: $after) {
      planId status
      event { ...PlanEventFields }
    }
  }
`);

export const REPLAY_PLAN = graphql(`
  query ReplayPlan($id: ID!) {
    replayPlan(id: $id) { identical events stateHash decisionsChecked divergedAt reason recorded recomputed }
  }
`);

export const APPROVE_PLAN = graphql(`
  mutation ApprovePlan($input: ApprovePlanInput!) {
    approvePlan(input: $input) { id status }
  }
`);

export const REJECT_PLAN = graphql(`
  mutation RejectPlan($input: RejectPlanInput!) {
    rejectPlan(input: $input) { id status }
  }
`);

export const EXECUTE_PLAN = graphql(`
  mutation ExecutePlan($planId: ID!) {
    executePlan(planId: $planId) { id status }
  }
`);

export const CANCEL_PLAN = graphql(`
  mutation CancelPlan($input: CancelPlanInput!) {
    cancelPlan(input: $input) { id status }
  }
`);

export const APPROVAL_REQUESTS = graphql(`
  query ApprovalRequests($org: String!) {
    approvalRequests(org: $org) {
      ...PlanSummaryFields
      planHash expiresAt
      steps { ...PlanStepFields }
      preview { ...PreviewFields }
      approvalStages { ...ApprovalStageFields }
      canReject: viewerCan(operation: "plan.reject")
    }
    org(slug: $org) { id roleGrants(open: true, first: 50) { ...RoleGrantFields } }
  }
`);

/** What waits for the viewer: plans at a stage they can approve, access requests they can decide. */
export const APPROVAL_COUNT = graphql(`
  query ApprovalCount($org: String!) {
    approvalRequests(org: $org) { id }
    org(slug: $org) { id roleGrants(open: true, first: 50) { id viewerCanDecide } }
  }
`);

// Audit

export const AUDIT_CHAIN = graphql(`
  query AuditChain($org: String!) {
    org(slug: $org) { id auditChain { ok entries headSeq firstBrokenSeq firstBrokenId reason } }
  }
`);

export const AUDIT_LOG = graphql(`
  query AuditLog($org: String!, $kind: String, $after: String) {
    org(slug: $org) {
      id
      auditLog(first: 50, after: $after, kind: $kind) {
        nodes { ...AuditEventFields }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

export const AUDIT_EVENTS = graphql(`
  subscription AuditEvents($org: String!) {
    auditEvents(org: $org) { ...AuditEventFields }
  }
`);

// Policy

export const EFFECTIVE_POLICY = graphql(`
  query EffectivePolicy($org: String!, $project: String!) {
    project(org: $org, slug: $project) {
      id slug
      effectivePolicy {
        version governance
        rules { policy rule level version file line actions effect when reason approvals }
        actions { ...ActionInfoFields }
        templates { ...TemplateInfoFields }
      }
    }
  }
`);

export const POLICY_VERSIONS = graphql(`
  query PolicyVersions($org: String!, $project: String!) {
    org(slug: $org) { id policyVersions(first: 50) { nodes { ...PolicyVersionFields } } }
    project(org: $org, slug: $project) { id policyVersions(first: 50) { nodes { ...PolicyVersionFields } } }
  }
`);

export const VALIDATE_POLICY = graphql(`
  mutation ValidatePolicy($input: ApplyPolicyInput!) {
    validatePolicy(input: $input) { ok diagnostics { ...PolicyDiagnosticFields } }
  }
`);

export const APPLY_POLICY = graphql(`
  mutation ApplyPolicy($input: ApplyPolicyInput!) {
    applyPolicy(input: $input) {
      versions { id scope project version }
      warnings { ...PolicyDiagnosticFields }
      pendingProposal { ...PolicyProposalFields }
    }
  }
`);

// Names the policy editor completes: the organization's groups (for approval stages). Actions
// come from PROJECT_ACTIONS. Asked apart, since reading groups needs `group.read`, which someone
// who may write a project's policy need not have: without it the editor just offers no groups.
export const POLICY_GROUP_NAMES = graphql(`
  query PolicyGroupNames($org: String!) {
    org(slug: $org) { id groups(first: 100) { nodes { id name description } } }
  }
`);

export const ROLLBACK_POLICY = graphql(`
  mutation RollbackPolicy($input: RollbackPolicyInput!) {
    rollbackPolicy(input: $input) { id scope project version }
  }
`);

// Changes kept for a second person's approval (`spec.policyChanges.requireApproval`).
export const POLICY_PROPOSAL_FIELDS = graphql(`
  fragment PolicyProposalFields on PolicyProposal {
    id status scope project comment diff createdAt viewerCanApprove viewerCannotApproveReason
    proposedBy { ...ActorFields }
  }
`);

export const POLICY_PROPOSALS = graphql(`
  query PolicyProposals($org: String!) {
    org(slug: $org) { id policyProposals { ...PolicyProposalFields } }
  }
`);

export const APPROVE_POLICY_PROPOSAL = graphql(`
  mutation ApprovePolicyProposal($id: ID!, $comment: String!) {
    approvePolicyProposal(id: $id, comment: $comment) {
      proposal { ...PolicyProposalFields }
      versions { id scope project version }
    }
  }
`);

export const REJECT_POLICY_PROPOSAL = graphql(`
  mutation RejectPolicyProposal($id: ID!, $comment: String!) {
    rejectPolicyProposal(id: $id, comment: $comment) { ...PolicyProposalFields }
  }
`);

export const POLICY_DIFF = graphql(`
  query PolicyDiff($org: String!, $project: String!, $from: Int!, $to: Int) {
    policyDiff(org: $org, project: $project, from: $from, to: $to) {
      fromVersion toVersion
      changes { kind policy rule actions when before after }
      impact { decisionsChecked newlyDenied newlyAllowed newlyNeedingApproval unchanged }
    }
  }
`);

// Administration. Several queries: together the lists would pass the server's complexity limit
// (a group's member list alone counts 100 × its fields, hence small pages of groups).

export const ADMIN = graphql(`
  query Admin($org: String!) {
    org(slug: $org) {
      id slug name
      projectCreate: viewerCan(operation: "project.create")
      groupCreate: viewerCan(operation: "group.create")
      groupManage: viewerCan(operation: "group.manage")
      roleBind: viewerCan(operation: "role.bind")
      saCreate: viewerCan(operation: "service_account.create")
      keyCreate: viewerCan(operation: "api_key.create")
      secretManage: viewerCan(operation: "secret.manage")
      webhookManage: viewerCan(operation: "webhook.manage")
      triggerManage: viewerCan(operation: "trigger.manage")
      identityManage: viewerCan(operation: "identity.manage")
      policyRead: viewerCan(operation: "policy.read")
      policyWrite: viewerCan(operation: "policy.write")
      projects(first: 50) { nodes { id slug name description } }
      serviceAccounts(first: 50) { nodes { id name description createdAt } }
    }
  }
`);

export const ADMIN_GROUPS = graphql(`
  query AdminGroups($org: String!, $after: String) {
    org(slug: $org) {
      id
      groups(first: 8, after: $after) {
        nodes { ...GroupFields }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

export const ADMIN_ACCESS = graphql(`
  query AdminAccess($org: String!) {
    org(slug: $org) {
      id
      apiKeys(first: 50) { nodes { id name prefix ownerKind ownerId createdAt expiresAt lastUsedAt revokedAt } }
      roleBindings(first: 50) { nodes { id role subjectKind subjectId scope project { slug } createdAt } }
    }
  }
`);

export const CREATE_PROJECT = graphql(`
  mutation CreateProject($input: CreateProjectInput!) { createProject(input: $input) { id slug } }
`);
export const CREATE_GROUP = graphql(`
  mutation CreateGroup($input: CreateGroupInput!) { createGroup(input: $input) { id name } }
`);
export const ADD_GROUP_MEMBER = graphql(`
  mutation AddGroupMember($input: GroupMemberInput!) { addGroupMember(input: $input) { id members { id email } } }
`);
export const REMOVE_GROUP_MEMBER = graphql(`
  mutation RemoveGroupMember($input: GroupMemberInput!) { removeGroupMember(input: $input) { id members { id email } } }
`);
export const BIND_ROLE = graphql(`
  mutation BindRole($input: BindRoleInput!) { bindRole(input: $input) { id } }
`);
// The removed binding as the server had it: enough to bind it again (Undo, for a minute).
export const UNBIND_ROLE = graphql(`
  mutation UnbindRole($id: ID!) { unbindRole(id: $id) { id role subjectKind subjectId subject scope project { slug } } }
`);
export const CREATE_SERVICE_ACCOUNT = graphql(`
  mutation CreateServiceAccount($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) { id name } }
`);
export const CREATE_API_KEY = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id name prefix } } }
`);
export const REVOKE_API_KEY = graphql(`
  mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }
`);

// Secrets go in and never come out: the list and the answer to setting one carry the name and
// the fingerprint (an HMAC of the value), never the value. The list needs `secret.manage`, so it
// is its own query, asked only by those who hold that right.

export const SECRET_FIELDS = graphql(`
  fragment SecretFields on Secret {
    name fingerprint setAt
    setBy { ...ActorFields }
  }
`);

export const ADMIN_SECRETS = graphql(`
  query AdminSecrets($org: String!) {
    org(slug: $org) { id secrets { ...SecretFields } }
  }
`);
export const SET_SECRET = graphql(`
  mutation SetSecret($input: SetSecretInput!) { setSecret(input: $input) { ...SecretFields } }
`);
export const DELETE_SECRET = graphql(`
  mutation DeleteSecret($org: String!, $name: String!) { deleteSecret(org: $org, name: $name) }
`);

// Outbound webhooks and inbound triggers. Their signing secrets come back only in the answer
// to creating or rotating one (`secret`); lists carry a fingerprint. Each list needs its own
// right (`webhook.manage`, `trigger.manage`), so each is its own query. An endpoint's delivery
// log is asked for only when opened, through `node(id:)`.

export const WEBHOOK_ENDPOINT_FIELDS = graphql(`
  fragment WebhookEndpointFields on WebhookEndpoint {
    id url description events projectSlug enabled disabledReason failingSince secretFingerprint previousSecretSignsUntil createdAt
  }
`);

export const WEBHOOK_DELIVERY_FIELDS = graphql(`
  fragment WebhookDeliveryFields on WebhookDelivery {
    id eventType status attemptCount nextAttemptAt createdAt finishedAt payload
    attempts { attemptedAt statusCode latencyMs response succeeded }
  }
`);

export const ADMIN_WEBHOOKS = graphql(`
  query AdminWebhooks($org: String!) {
    org(slug: $org) {
      id
      webhookEndpoints { ...WebhookEndpointFields }
      webhookEventKinds { name description }
    }
  }
`);

export const WEBHOOK_DELIVERIES = graphql(`
  query WebhookDeliveries($id: ID!, $first: Int!, $after: String, $status: WebhookDeliveryStatus) {
    node(id: $id) {
      id
      ... on WebhookEndpoint {
        deliveries(first: $first, after: $after, status: $status) {
          nodes { ...WebhookDeliveryFields }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`);

export const CREATE_WEBHOOK_ENDPOINT = graphql(`
  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) { secret endpoint { ...WebhookEndpointFields } }
  }
`);
export const UPDATE_WEBHOOK_ENDPOINT = graphql(`
  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { ...WebhookEndpointFields } }
`);
export const DELETE_WEBHOOK_ENDPOINT = graphql(`
  mutation DeleteWebhookEndpoint($id: ID!) { deleteWebhookEndpoint(id: $id) }
`);
export const ROTATE_WEBHOOK_SECRET = graphql(`
  mutation RotateWebhookSecret($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { ...WebhookEndpointFields } } }
`);
export const SEND_TEST_WEBHOOK = graphql(`
  mutation SendTestWebhook($id: ID!) { sendTestWebhook(id: $id) { ...WebhookDeliveryFields } }
`);
export const REDELIVER_WEBHOOK = graphql(`
  mutation RedeliverWebhook($id: ID!) { redeliverWebhook(id: $id) { ...WebhookDeliveryFields } }
`);

export const TRIGGER_FIELDS = graphql(`
  fragment TriggerFields on Trigger {
    id name path projectSlug template args serviceAccount enabled secretFingerprint createdAt
  }
`);

export const ADMIN_TRIGGERS = graphql(`
  query AdminTriggers($org: String!) {
    org(slug: $org) { id triggers { ...TriggerFields } }
  }
`);

/** The plan templates a trigger in the project may propose from. */
export const PROJECT_TEMPLATES = graphql(`
  query ProjectTemplates($org: String!, $project: String!) {
    project(org: $org, slug: $project) {
      id
      effectivePolicy { version templates { name description params } }
    }
  }
`);

export const CREATE_TRIGGER = graphql(`
  mutation CreateTrigger($input: CreateTriggerInput!) { createTrigger(input: $input) { secret trigger { ...TriggerFields } } }
`);
export const SET_TRIGGER_ENABLED = graphql(`
  mutation SetTriggerEnabled($id: ID!, $enabled: Boolean!) { setTriggerEnabled(id: $id, enabled: $enabled) { ...TriggerFields } }
`);
export const ROTATE_TRIGGER_SECRET = graphql(`
  mutation RotateTriggerSecret($id: ID!) { rotateTriggerSecret(id: $id) { secret trigger { ...TriggerFields } } }
`);
export const DELETE_TRIGGER = graphql(`
  mutation DeleteTrigger($id: ID!) { deleteTrigger(id: $id) }
`);

// Scheduled plans: a project's plan template proposed on a cron schedule, as a service account.
// Listing needs `plan.read` in the project; creating, pausing, resuming and deleting need
// `schedule.manage` there, and only those who hold it are asked for the form's service accounts.

export const SCHEDULE_FIELDS = graphql(`
  fragment ScheduleFields on Schedule {
    id name projectSlug cron timezone template args overlap catchUp serviceAccount paused nextRunAt lastSlot lastOutcome lastPlanId createdAt
    upcoming(count: 3)
  }
`);

export const PROJECT_SCHEDULES = graphql(`
  query ProjectSchedules($org: String!, $project: String!) {
    org(slug: $org) { id canManage: viewerCan(operation: "schedule.manage", project: $project) }
    project(org: $org, slug: $project) { id slug name schedules { ...ScheduleFields } }
  }
`);

/** The service accounts a schedule may propose as. */
export const SCHEDULE_SERVICE_ACCOUNTS = graphql(`
  query ScheduleServiceAccounts($org: String!) {
    org(slug: $org) { id serviceAccounts(first: 100) { nodes { id name } } }
  }
`);

export const CREATE_SCHEDULE = graphql(`
  mutation CreateSchedule($input: CreateScheduleInput!) { createSchedule(input: $input) { ...ScheduleFields } }
`);
export const PAUSE_SCHEDULE = graphql(`
  mutation PauseSchedule($id: ID!) { pauseSchedule(id: $id) { ...ScheduleFields } }
`);
export const RESUME_SCHEDULE = graphql(`
  mutation ResumeSchedule($id: ID!) { resumeSchedule(id: $id) { ...ScheduleFields } }
`);
export const DELETE_SCHEDULE = graphql(`
  mutation DeleteSchedule($id: ID!) { deleteSchedule(id: $id) }
`);

// Identity providers (`identity.manage`): OIDC providers people of the organization sign in
// at. The client secret goes in and never comes out (only its fingerprint). Group mappings and
// client bindings name a Praetor group and service account by name, so the panel asks for the
// names of all of them (not the admin page's small pages of groups with their members).

export const IDENTITY_PROVIDER_FIELDS = graphql(`
  fragment IdentityProviderFields on IdentityProvider {
    id name issuer clientId scopes groupsClaim allowedDomains createUsers apiAudience deviceClientId enabled callbackPath signOutReturnPath secretFingerprint
    createdAt updatedAt
    groupMappings { claimValue group { id name } }
    clientBindings { clientId serviceAccount { id name } }
  }
`);

export const ADMIN_IDENTITY_PROVIDERS = graphql(`
  query AdminIdentityProviders($org: String!) {
    org(slug: $org) {
      id
      localAccounts
      identityProviders { ...IdentityProviderFields }
      groups(first: 100) { nodes { id name } }
      serviceAccounts(first: 100) { nodes { id name } }
    }
  }
`);

export const CREATE_IDENTITY_PROVIDER = graphql(`
  mutation CreateIdentityProvider($input: CreateIdentityProviderInput!) {
    createIdentityProvider(input: $input) { ...IdentityProviderFields }
  }
`);
export const UPDATE_IDENTITY_PROVIDER = graphql(`
  mutation UpdateIdentityProvider($id: ID!, $input: UpdateIdentityProviderInput!) {
    updateIdentityProvider(id: $id, input: $input) { ...IdentityProviderFields }
  }
`);
export const DELETE_IDENTITY_PROVIDER = graphql(`
  mutation DeleteIdentityProvider($id: ID!) { deleteIdentityProvider(id: $id) }
`);
/** Local accounts (passwords) on or off for the organization; off is refused without an enabled provider. */
export const SET_LOCAL_ACCOUNTS = graphql(`
  mutation SetLocalAccounts($org: String!, $enabled: Boolean!) { setLocalAccounts(org: $org, enabled: $enabled) { id localAccounts } }
`);
export const MAP_IDENTITY_PROVIDER_GROUP = graphql(`
  mutation MapIdentityProviderGroup($id: ID!, $claimValue: String!, $group: String!) {
    mapIdentityProviderGroup(id: $id, claimValue: $claimValue, group: $group) { ...IdentityProviderFields }
  }
`);
export const UNMAP_IDENTITY_PROVIDER_GROUP = graphql(`
  mutation UnmapIdentityProviderGroup($id: ID!, $claimValue: String!, $group: String!) {
    unmapIdentityProviderGroup(id: $id, claimValue: $claimValue, group: $group) { ...IdentityProviderFields }
  }
`);
export const BIND_IDENTITY_PROVIDER_CLIENT = graphql(`
  mutation BindIdentityProviderClient($id: ID!, $clientId: String!, $serviceAccount: String) {
    bindIdentityProviderClient(id: $id, clientId: $clientId, serviceAccount: $serviceAccount) { ...IdentityProviderFields }
  }
`);

// Local accounts: invitation links (`role.bind`), reset links, unlocking and removing a lost
// second factor (`identity.manage`).
// A link comes back once, in the answer that made it: those mutations are sent without a hook,
// like the signing secrets. The members' addresses are suggestions for the reset/unlock form.

export const INVITATION_FIELDS = graphql(`
  fragment InvitationFields on Invitation { id email purpose role project { slug name } createdAt expiresAt }
`);

export const ADMIN_INVITATIONS = graphql(`
  query AdminInvitations($org: String!) {
    org(slug: $org) { id invitations { ...InvitationFields } }
  }
`);

export const ADMIN_MEMBER_EMAILS = graphql(`
  query AdminMemberEmails($org: String!) {
    org(slug: $org) { id members(first: 100) { nodes { user { id email displayName } } } }
  }
`);

export const INVITE_MEMBER = graphql(`
  mutation InviteMember($input: InviteMemberInput!) {
    inviteMember(input: $input) { link invitation { ...InvitationFields } }
  }
`);
export const REVOKE_INVITATION = graphql(`
  mutation RevokeInvitation($org: String!, $id: ID!) { revokeInvitation(org: $org, id: $id) }
`);
export const ISSUE_PASSWORD_RESET = graphql(`
  mutation IssuePasswordReset($org: String!, $email: String!) {
    issuePasswordReset(org: $org, email: $email) { link invitation { ...InvitationFields } }
  }
`);
export const UNLOCK_ACCOUNT = graphql(`
  mutation UnlockAccount($org: String!, $email: String!) { unlockAccount(org: $org, email: $email) }
`);
/** For a member who lost their authenticator app and recovery codes. */
export const REMOVE_SECOND_FACTOR = graphql(`
  mutation RemoveSecondFactor($org: String!, $email: String!) { removeSecondFactor(org: $org, email: $email) }
`);

/** The signed-in person's organizations, to find the one an accepted invitation named. */
export const VIEWER_ORGS = graphql(`
  query ViewerOrgs { viewer { id orgs { id slug name } } }
`);

export const ROLE_GRANTS = graphql(`
  query RoleGrants($org: String!, $open: Boolean!) {
    org(slug: $org) { id roleGrants(open: $open, first: 50) { ...RoleGrantFields } }
  }
`);

export const GRANT_TEMPORARY_ROLE = graphql(`
  mutation GrantTemporaryRole($input: GrantTemporaryRoleInput!) { grantTemporaryRole(input: $input) { ...RoleGrantFields } }
`);
export const APPROVE_ROLE_GRANT = graphql(`
  mutation ApproveRoleGrant($id: ID!) { approveRoleGrant(id: $id) { id status } }
`);
export const REJECT_ROLE_GRANT = graphql(`
  mutation RejectRoleGrant($id: ID!) { rejectRoleGrant(id: $id) { id status } }
`);
export const REVOKE_ROLE_GRANT = graphql(`
  mutation RevokeRoleGrant($id: ID!) { revokeRoleGrant(id: $id) { id status } }
`);

// Limits

export const KILL_SWITCHES = graphql(`
  query KillSwitches($org: String!, $project: String!, $withProject: Boolean!) {
    org(slug: $org) { id killSwitch { ...KillSwitchFields } }
    project(org: $org, slug: $project) @include(if: $withProject) { id killSwitch { ...KillSwitchFields } }
  }
`);

export const BUDGET_FORECAST_FIELDS = graphql(`
  fragment BudgetForecastFields on BudgetForecast {
    budget { ...BudgetFields }
    projected exhaustsAt confidence method historyDays backtestError message
  }
`);

export const GOVERNANCE = graphql(`
  query Governance($org: String!, $project: String!) {
    org(slug: $org) {
      id
      budget { ...BudgetFields }
      budgetForecast { ...BudgetForecastFields }
      killSwitch { ...KillSwitchFields }
      canKillOrg: viewerCan(operation: "killswitch.set")
      canKillProject: viewerCan(operation: "killswitch.set", project: $project)
      canPause: viewerCan(operation: "plan.approve", project: $project)
    }
    project(org: $org, slug: $project) {
      id slug name
      budget { ...BudgetFields }
      budgetForecast { ...BudgetForecastFields }
      killSwitch { ...KillSwitchFields }
      autonomy { configured mode maxRisk maxCostPerPlan maxPlansPerHour paused pausedBy pauseReason pausedAt unattendedPlansLastHour }
      rateLimits { name scope actions perMinute perHour proposalsLastMinute proposalsLastHour executionsLastMinute executionsLastHour }
      windows { name level actions days from to timezone open nextOpen }
    }
  }
`);

export const SET_KILL_SWITCH = graphql(`
  mutation SetKillSwitch($input: SetKillSwitchInput!) {
    setKillSwitch(input: $input) { id scope engaged reason changedBy engagedAt releasedAt releaseMode plansAffected }
  }
`);

export const PAUSE_AUTONOMY = graphql(`
  mutation PauseAutonomy($input: AutonomyInput!) { pauseAutonomy(input: $input) { id autonomy { paused pausedBy pauseReason } } }
`);

export const RESUME_AUTONOMY = graphql(`
  mutation ResumeAutonomy($input: AutonomyInput!) { resumeAutonomy(input: $input) { id autonomy { paused } } }
`);

/**
 * A project's recommended daily limit with its evidence. Its own query, not part of GOVERNANCE:
 * it reads 30 days of the budget ledger and changes at most once a day, so it is not asked
 * again on every refresh of the limits.
 */
export const BUDGET_RECOMMENDATION = graphql(`
  query BudgetRecommendation($org: String!, $project: String!) {
    org(slug: $org) {
      id
      canApply: viewerCan(operation: "policy.write", project: $project)
    }
    project(org: $org, slug: $project) {
      id
      budgetRecommendation {
        budget { limit unit policy }
        recommended reason historyDays p50 p95 max headroom orgLimit
        daily { day spent }
      }
    }
  }
`);

export const APPLY_BUDGET_RECOMMENDATION = graphql(`
  mutation ApplyBudgetRecommendation($input: ApplyBudgetRecommendationInput!) {
    applyBudgetRecommendation(input: $input) {
      versions { id scope project version }
      warnings { ...PolicyDiagnosticFields }
      pendingProposal { id }
    }
  }
`);

export const ORG_SPEND = graphql(`
  query OrgSpend($org: String!) {
    org(slug: $org) {
      id
      projects(first: 50) { nodes { id slug name budget { limit unit spent reserved } } }
    }
  }
`);

// Chat. The session's log arrives over the subscription (history first, then live): a query for
// many events with their previews would pass the server's complexity limit.

export const CHAT_EVENT_FIELDS = graphql(`
  fragment ChatEventFields on ChatEvent {
    id seq kind ephemeral fromStart createdAt role text agent code inReplyTo proposalId suggestions
    author { ...ActorFields }
    planId status verdict detail planHash
    by { ...ActorFields }
    proposer { ...ActorFields }
    preview { ...PreviewFields }
    steps { ...PlanStepFields }
    approval { stage name groups count }
    step { index stepId action status attempt output error }
    arbitration {
      strategy reason chosenProposalId
      proposals {
        id agent rank eligible chosen support verdict cost risk approvalsNeeded summary explanation error
        blastRadius { stateKeys externalCalls }
        steps { ...PlanStepFields }
        preview { ...PreviewFields }
      }
    }
  }
`);

/** A page of a session's stored events after `after` (a seq, as the connection's cursor). */
export const CHAT_EVENTS_PAGE = graphql(`
  query ChatEventsPage($id: ID!, $first: Int!, $after: String) {
    chatSession(id: $id) {
      id
      events(first: $first, after: $after) { edges { node { ...ChatEventFields } } }
    }
  }
`);

export const CHAT_EVENTS = graphql(`
  subscription ChatEvents($sessionId: ID!, $after: Int) {
    chatEvents(sessionId: $sessionId, after: $after) { ...ChatEventFields }
  }
`);

export const CHAT_SESSION_SUMMARY_FIELDS = graphql(`
  fragment ChatSessionSummaryFields on ChatSession {
    id title createdAt updatedAt lastSeq
    owner { ...ActorFields }
  }
`);

export const CHAT_MEMORY_FIELDS = graphql(`
  fragment ChatMemoryFields on ChatMemoryGql {
    facts lastPlan summary empty
  }
`);

export const CHAT_SESSIONS = graphql(`
  query ChatSessions($org: String!, $project: String!, $mine: Boolean!, $after: String) {
    project(org: $org, slug: $project) {
      id
      chatSessions(first: 30, after: $after, mine: $mine) {
        nodes { ...ChatSessionSummaryFields }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

export const CHAT_SESSION = graphql(`
  query ChatSession($id: ID!) {
    chatSession(id: $id) {
      ...ChatSessionSummaryFields
      viewerCanWrite
      memory { ...ChatMemoryFields }
      currentPlan { id status }
      pendingChoice { strategy proposals { id agent eligible } }
      project { id slug }
    }
  }
`);

export const CHAT_SETTINGS = graphql(`
  query ChatSettings($org: String!, $project: String!) {
    project(org: $org, slug: $project) {
      id
      chatSettings { strategy strategyLabel consensus agents { id name planner description enabled } }
    }
  }
`);

/** What a plan card in chat needs beyond the session's log: the viewer's rights, the stages. */
export const CHAT_PLAN = graphql(`
  query ChatPlan($id: ID!) {
    plan(id: $id) {
      id title status planHash
      approvalStages { ...ApprovalStageFields }
      viewerCanApproveNow { can reason }
      canReject: viewerCan(operation: "plan.reject")
      canExecute: viewerCan(operation: "plan.execute")
      canCancel: viewerCan(operation: "plan.cancel")
    }
  }
`);

export const CREATE_CHAT_SESSION = graphql(`
  mutation CreateChatSession($input: CreateChatSessionInput!) {
    createChatSession(input: $input) { ...ChatSessionSummaryFields }
  }
`);

export const SEND_CHAT_MESSAGE = graphql(`
  mutation SendChatMessage($sessionId: ID!, $text: String!) {
    sendChatMessage(sessionId: $sessionId, text: $text) { ...ChatEventFields }
  }
`);

export const CLEAR_CHAT_MEMORY = graphql(`
  mutation ClearChatMemory($sessionId: ID!) {
    clearChatMemory(sessionId: $sessionId) { id memory { ...ChatMemoryFields } }
  }
`);

export const CHOOSE_PROPOSAL = graphql(`
  mutation ChooseProposal($sessionId: ID!, $proposalId: ID!) {
    chooseProposal(sessionId: $sessionId, proposalId: $proposalId) { id status }
  }
`);

export const AGENT_FIELDS = graphql(`
  fragment AgentFields on Agent {
    id name description planner role enabled
  }
`);

export const CHAT_AGENTS = graphql(`
  query ChatAgents($org: String!, $project: String!) {
    agents(org: $org) { ...AgentFields }
    org(slug: $org) {
      id
      agentManage: viewerCan(operation: "agent.manage")
      projectAgents: viewerCan(operation: "project.agents", project: $project)
    }
    project(org: $org, slug: $project) {
      id
      chatSettings { strategy strategyLabel consensus agents { ...AgentFields } }
    }
  }
`);

export const CREATE_AGENT = graphql(`
  mutation CreateAgent($input: CreateAgentInput!) { createAgent(input: $input) { ...AgentFields } }
`);

export const UPDATE_AGENT = graphql(`
  mutation UpdateAgent($input: UpdateAgentInput!) { updateAgent(input: $input) { ...AgentFields } }
`);

export const SET_PROJECT_AGENTS = graphql(`
  mutation SetProjectAgents($input: SetProjectAgentsInput!) {
    setProjectAgents(input: $input) { strategy strategyLabel consensus agents { ...AgentFields } }
  }
`);

export const SCHEDULED_JOBS = graphql(`
  query ScheduledJobs {
    scheduledJobs {
      name key schedule description nextRunAt recentFailures
      lastRun { slot status node attempts missedSlots durationMs detail finishedAt }
    }
  }
`);

// Rollups: what an organization's activity added up to per hour or UTC day, folded from the
// audit chain every 15 s (needs `audit.read`). The series and the per-project totals share a
// range; budgets are their own query, so a budget the viewer cannot read leaves the charts be.
// Every organization's rollups answer instance administrators only.

export const ROLLUP_POINT_FIELDS = graphql(`
  fragment RollupPointFields on RollupPoint {
    start plansProposed plansSucceeded plansFailed plansCancelled plansRejected plansExpired plansKilled
    byHumans byAgents byIntegrations stepsRun stepsFailed spend
    refusals { code count }
    approvals approvalLatencyP50Seconds approvalLatencyP95Seconds
    chatMessages chatSessions killSwitchesEngaged killSwitchSeconds
  }
`);

export const ORG_ROLLUPS = graphql(`
  query OrgRollups($org: String!, $from: DateTime!, $to: DateTime!, $granularity: RollupGranularity!, $project: String) {
    org(slug: $org) {
      id
      rollups(from: $from, to: $to, granularity: $granularity, project: $project) { ...RollupPointFields }
      rollupsByProject(from: $from, to: $to) {
        project { id slug name }
        totals { ...RollupPointFields }
      }
    }
  }
`);

export const ROLLUP_BUDGETS = graphql(`
  query RollupBudgets($org: String!, $project: String!, $withProject: Boolean!) {
    org(slug: $org) { id budget { limit unit } }
    project(org: $org, slug: $project) @include(if: $withProject) { id budget { limit unit } }
  }
`);

export const INSTANCE_ROLLUPS = graphql(`
  query InstanceRollups($from: DateTime!, $to: DateTime!, $granularity: RollupGranularity!) {
    instanceRollups(from: $from, to: $to, granularity: $granularity) {
      points { ...RollupPointFields }
      orgs { slug name totals { ...RollupPointFields } }
    }
  }
`);

// Notifications: the viewer's own, across their organizations. The unread count comes first from
// the subscription and then with every change; the list is read when the panel opens.

export const NOTIFICATION_FIELDS = graphql(`
  fragment NotificationFields on Notification {
    id kind category org title body link createdAt readAt
  }
`);

/** The newest `first` notifications, read or not, and the unread count. */
export const NOTIFICATIONS = graphql(`
  query Notifications($first: Int!) {
    viewer {
      id unreadNotifications
      notifications(first: $first) { nodes { ...NotificationFields } }
    }
  }
`);

/** The unread count now, then again with each new notification (given) or read mark (none). */
export const NOTIFICATION_UPDATES = graphql(`
  subscription NotificationUpdates {
    notifications { unread notification { ...NotificationFields } }
  }
`);

export const MARK_NOTIFICATIONS_READ = graphql(`
  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {
    markNotificationsRead(input: $input)
  }
`);

export const NOTIFICATION_SETTING_FIELDS = graphql(`
  fragment NotificationSettingFields on NotificationSetting {
    category label email
  }
`);

export const NOTIFICATION_SETTINGS = graphql(`
  query NotificationSettings {
    viewer { id emailNotifications notificationSettings { ...NotificationSettingFields } }
  }
`);

export const SET_NOTIFICATION_EMAIL = graphql(`
  mutation SetNotificationEmail($input: SetNotificationEmailInput!) {
    setNotificationEmail(input: $input) { ...NotificationSettingFields }
  }
`);

export const POLICY_PACKS = graphql(`
  query PolicyPacks($org: String!) {
    org(slug: $org) {
      id
      policyPacks {
        id name title description publisher latestVersion
        subscription {
          followsLatest pinnedVersion versionInForce
          pending { id version effectiveAt notes changes { kind policy rule actions } }
        }
      }
    }
  }
`);
export const POLICY_PACK_IMPACT = graphql(`
  query PolicyPackImpact($org: String!, $id: ID!, $version: Int!, $project: String!) {
    org(slug: $org) {
      id
      policyPack(id: $id) {
        id
        version(version: $version) {
          id
          impact(project: $project) { decisionsChecked newlyDenied newlyAllowed newlyNeedingApproval unchanged }
        }
      }
    }
  }
`);
export const SUBSCRIBE_POLICY_PACK = graphql(`
  mutation SubscribePolicyPack($input: SubscribePolicyPackInput!) {
    subscribePolicyPack(input: $input) { followsLatest pinnedVersion versionInForce }
  }
`);
export const UNSUBSCRIBE_POLICY_PACK = graphql(`
  mutation UnsubscribePolicyPack($org: String!, $pack: ID!) { unsubscribePolicyPack(org: $org, pack: $pack) }
`);
