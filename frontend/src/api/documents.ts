// The GraphQL operations of the app, in one place so the contract with api/schema.graphql is
// easy to review. Fragments are plain strings appended to the operations that use them.

export const PREVIEW_FIELDS = /* GraphQL */ `
  fragment PreviewFields on PlanPreview {
    verdict cost risk reasonCodes policyVersion unattended autoRun
    approvals { name groups count rule }
    checks { name verdict code message retryAt rule { policy rule level version file line } }
    steps {
      id action verdict cost risk
      checks { name verdict code message retryAt rule { policy rule level version file line } }
      approvals { name groups count rule }
      stateDiff { path before after }
    }
  }
`;

export const PLAN_SUMMARY_FIELDS = /* GraphQL */ `
  fragment PlanSummaryFields on Plan {
    id title status verdict cost risk createdAt updatedAt
    proposer { kind id name }
    project { slug name }
  }
`;

export const VIEWER = /* GraphQL */ `
  query Viewer {
    viewer {
      kind id name instanceAdmin
      user { id email displayName }
      orgs { id slug name projects(first: 100) { nodes { id slug name description } } }
    }
  }
`;

export const ORG_RIGHTS = /* GraphQL */ `
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
`;

export const PROJECT_PLANS = /* GraphQL */ `
  query ProjectPlans($org: String!, $project: String!, $status: String, $after: String) {
    project(org: $org, slug: $project) {
      id slug name
      plans(first: 25, after: $after, status: $status) {
        nodes { ...PlanSummaryFields }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
  ${PLAN_SUMMARY_FIELDS}
`;

export const PROJECT_ACTIONS = /* GraphQL */ `
  query ProjectActions($org: String!, $project: String!) {
    project(org: $org, slug: $project) {
      id
      effectivePolicy {
        version
        actions { name description risk cost aliases params builtin }
        templates { name description aliases params steps }
      }
    }
  }
`;

export const SIMULATE_PLAN = /* GraphQL */ `
  mutation SimulatePlan($input: SimulatePlanInput!) {
    simulatePlan(input: $input) {
      planHash
      steps { id action params when onFailure }
      preview { ...PreviewFields }
    }
  }
  ${PREVIEW_FIELDS}
`;

export const PROPOSE_PLAN = /* GraphQL */ `
  mutation ProposePlan($input: ProposePlanInput!) {
    proposePlan(input: $input) { id status verdict }
  }
`;

export const PLAN_DETAIL = /* GraphQL */ `
  query PlanDetail($id: ID!, $org: String!) {
    plan(id: $id) {
      ...PlanSummaryFields
      planHash policyVersion runWhenApproved expiresAt stateHash
      steps { id action params when onFailure }
      preview { ...PreviewFields }
      approvalStages { index name groups count satisfied approvals { approver decision comment createdAt } }
      progress { id status attempts output error }
      events(first: 100) { nodes { seq kind data stateHash occurredAt } pageInfo { hasNextPage endCursor } }
      canApprove: viewerCan(operation: "plan.approve")
      canReject: viewerCan(operation: "plan.reject")
      canExecute: viewerCan(operation: "plan.execute")
      canCancel: viewerCan(operation: "plan.cancel")
    }
    approvalRequests(org: $org) { id }
  }
  ${PLAN_SUMMARY_FIELDS}
  ${PREVIEW_FIELDS}
`;

export const PLAN_PROJECT = /* GraphQL */ `
  query PlanProject($id: ID!) { plan(id: $id) { id project { slug } } }
`;

export const PLAN_EVENTS = /* GraphQL */ `
  subscription PlanEvents($planId: ID!, $after: Int) {
    planEvents(planId: $planId, after: $after) {
      planId status
      event { seq kind data stateHash occurredAt }
    }
  }
`;

export const REPLAY_PLAN = /* GraphQL */ `
  query ReplayPlan($id: ID!) {
    replayPlan(id: $id) { identical events stateHash decisionsChecked divergedAt reason recorded recomputed }
  }
`;

export const APPROVE_PLAN = /* GraphQL */ `
  mutation ApprovePlan($input: ApprovePlanInput!) {
    approvePlan(input: $input) { id status }
  }
`;

export const REJECT_PLAN = /* GraphQL */ `
  mutation RejectPlan($input: RejectPlanInput!) {
    rejectPlan(input: $input) { id status }
  }
`;

export const EXECUTE_PLAN = /* GraphQL */ `
  mutation ExecutePlan($planId: ID!) {
    executePlan(planId: $planId) { id status }
  }
`;

export const CANCEL_PLAN = /* GraphQL */ `
  mutation CancelPlan($input: CancelPlanInput!) {
    cancelPlan(input: $input) { id status }
  }
`;

export const APPROVAL_REQUESTS = /* GraphQL */ `
  query ApprovalRequests($org: String!) {
    approvalRequests(org: $org) {
      ...PlanSummaryFields
      planHash expiresAt
      steps { id action params when onFailure }
      preview { ...PreviewFields }
      approvalStages { index name groups count satisfied approvals { approver decision comment createdAt } }
      canReject: viewerCan(operation: "plan.reject")
    }
  }
  ${PLAN_SUMMARY_FIELDS}
  ${PREVIEW_FIELDS}
`;

export const APPROVAL_COUNT = /* GraphQL */ `
  query ApprovalCount($org: String!) {
    approvalRequests(org: $org) { id }
  }
`;

const AUDIT_FIELDS = 'id seq occurredAt requestId actor { kind id name } kind subject payload hash prevHash';

export const AUDIT_CHAIN = /* GraphQL */ `
  query AuditChain($org: String!) {
    org(slug: $org) { id auditChain { ok entries headSeq firstBrokenSeq firstBrokenId reason } }
  }
`;

export const AUDIT_LOG = /* GraphQL */ `
  query AuditLog($org: String!, $kind: String, $after: String) {
    org(slug: $org) {
      id
      auditLog(first: 50, after: $after, kind: $kind) {
        nodes { ${AUDIT_FIELDS} }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

export const AUDIT_EVENTS = /* GraphQL */ `
  subscription AuditEvents($org: String!) {
    auditEvents(org: $org) { ${AUDIT_FIELDS} }
  }
`;

export const EFFECTIVE_POLICY = /* GraphQL */ `
  query EffectivePolicy($org: String!, $project: String!) {
    project(org: $org, slug: $project) {
      id slug
      effectivePolicy {
        version governance
        rules { policy rule level version file line actions effect when reason approvals }
        actions { name description risk cost aliases params builtin }
        templates { name description aliases params steps }
      }
    }
  }
`;

const VERSION_FIELDS = 'id scope version hash comment diff createdAt author { kind id name } sources { name text }';

export const POLICY_VERSIONS = /* GraphQL */ `
  query PolicyVersions($org: String!, $project: String!) {
    org(slug: $org) { id policyVersions(first: 50) { nodes { ${VERSION_FIELDS} } } }
    project(org: $org, slug: $project) { id policyVersions(first: 50) { nodes { ${VERSION_FIELDS} } } }
  }
`;

export const VALIDATE_POLICY = /* GraphQL */ `
  mutation ValidatePolicy($input: ApplyPolicyInput!) {
    validatePolicy(input: $input) { ok diagnostics { code severity message file line column path } }
  }
`;

export const APPLY_POLICY = /* GraphQL */ `
  mutation ApplyPolicy($input: ApplyPolicyInput!) {
    applyPolicy(input: $input) {
      versions { id scope version }
      warnings { code severity message file line column path }
    }
  }
`;

export const POLICY_DIFF = /* GraphQL */ `
  query PolicyDiff($org: String!, $project: String!, $from: Int!, $to: Int) {
    policyDiff(org: $org, project: $project, from: $from, to: $to) {
      fromVersion toVersion
      changes { kind policy rule actions when before after }
      impact { decisionsChecked newlyDenied newlyAllowed newlyNeedingApproval unchanged }
    }
  }
`;

// Several queries: together the lists would pass the server's complexity limit (a group's
// member list alone counts 100 × its fields, hence small pages of groups).
export const ADMIN = /* GraphQL */ `
  query Admin($org: String!) {
    org(slug: $org) {
      id slug name
      projectCreate: viewerCan(operation: "project.create")
      groupCreate: viewerCan(operation: "group.create")
      groupManage: viewerCan(operation: "group.manage")
      roleBind: viewerCan(operation: "role.bind")
      saCreate: viewerCan(operation: "service_account.create")
      keyCreate: viewerCan(operation: "api_key.create")
      projects(first: 50) { nodes { id slug name description } }
      serviceAccounts(first: 50) { nodes { id name description createdAt } }
    }
  }
`;

export const ADMIN_GROUPS = /* GraphQL */ `
  query AdminGroups($org: String!, $after: String) {
    org(slug: $org) {
      id
      groups(first: 8, after: $after) {
        nodes { id name description createdAt members { id email } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

export const ADMIN_ACCESS = /* GraphQL */ `
  query AdminAccess($org: String!) {
    org(slug: $org) {
      id
      apiKeys(first: 50) { nodes { id name prefix ownerKind ownerId createdAt expiresAt lastUsedAt revokedAt } }
      roleBindings(first: 50) { nodes { id role subjectKind subjectId scope project { slug } createdAt } }
    }
  }
`;

export const CREATE_PROJECT = /* GraphQL */ `
  mutation CreateProject($input: CreateProjectInput!) { createProject(input: $input) { id slug } }
`;
export const CREATE_GROUP = /* GraphQL */ `
  mutation CreateGroup($input: CreateGroupInput!) { createGroup(input: $input) { id name } }
`;
export const ADD_GROUP_MEMBER = /* GraphQL */ `
  mutation AddGroupMember($input: GroupMemberInput!) { addGroupMember(input: $input) { id members { id email } } }
`;
export const REMOVE_GROUP_MEMBER = /* GraphQL */ `
  mutation RemoveGroupMember($input: GroupMemberInput!) { removeGroupMember(input: $input) { id members { id email } } }
`;
export const BIND_ROLE = /* GraphQL */ `
  mutation BindRole($input: BindRoleInput!) { bindRole(input: $input) { id } }
`;
export const UNBIND_ROLE = /* GraphQL */ `
  mutation UnbindRole($id: ID!) { unbindRole(id: $id) { id } }
`;
export const CREATE_SERVICE_ACCOUNT = /* GraphQL */ `
  mutation CreateServiceAccount($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) { id name } }
`;
export const CREATE_API_KEY = /* GraphQL */ `
  mutation CreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id name prefix } } }
`;
export const REVOKE_API_KEY = /* GraphQL */ `
  mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }
`;

const BUDGET_FIELDS = 'limit unit timezone policy day spent reserved remaining resetsAt alertAt';
const KILL_FIELDS = 'scope reason engagedBy engagedAt';

export const KILL_SWITCHES = /* GraphQL */ `
  query KillSwitches($org: String!, $project: String!, $withProject: Boolean!) {
    org(slug: $org) { id killSwitch { ${KILL_FIELDS} } }
    project(org: $org, slug: $project) @include(if: $withProject) { id killSwitch { ${KILL_FIELDS} } }
  }
`;

export const GOVERNANCE = /* GraphQL */ `
  query Governance($org: String!, $project: String!) {
    org(slug: $org) {
      id
      budget { ${BUDGET_FIELDS} }
      killSwitch { ${KILL_FIELDS} }
      canKillOrg: viewerCan(operation: "killswitch.set")
      canKillProject: viewerCan(operation: "killswitch.set", project: $project)
      canPause: viewerCan(operation: "plan.approve", project: $project)
    }
    project(org: $org, slug: $project) {
      id slug name
      budget { ${BUDGET_FIELDS} }
      killSwitch { ${KILL_FIELDS} }
      autonomy { configured mode maxRisk maxCostPerPlan maxPlansPerHour paused pausedBy pauseReason pausedAt unattendedPlansLastHour }
      rateLimits { name scope actions perMinute perHour proposalsLastMinute proposalsLastHour executionsLastMinute executionsLastHour }
      windows { name level actions days from to timezone open nextOpen }
    }
  }
`;

export const SET_KILL_SWITCH = /* GraphQL */ `
  mutation SetKillSwitch($input: SetKillSwitchInput!) {
    setKillSwitch(input: $input) { id scope engaged reason changedBy engagedAt releasedAt releaseMode plansAffected }
  }
`;

export const PAUSE_AUTONOMY = /* GraphQL */ `
  mutation PauseAutonomy($input: AutonomyInput!) { pauseAutonomy(input: $input) { id autonomy { paused pausedBy pauseReason } } }
`;

export const RESUME_AUTONOMY = /* GraphQL */ `
  mutation ResumeAutonomy($input: AutonomyInput!) { resumeAutonomy(input: $input) { id autonomy { paused } } }
`;

const GRANT_FIELDS = 'id subjectKind subject role scope validFrom validUntil reason status requestedBy decidedBy decidedAt createdAt';

export const ROLE_GRANTS = /* GraphQL */ `
  query RoleGrants($org: String!, $open: Boolean!) {
    org(slug: $org) { id roleGrants(open: $open, first: 50) { ${GRANT_FIELDS} } }
  }
`;

export const GRANT_TEMPORARY_ROLE = /* GraphQL */ `
  mutation GrantTemporaryRole($input: GrantTemporaryRoleInput!) { grantTemporaryRole(input: $input) { ${GRANT_FIELDS} } }
`;
export const APPROVE_ROLE_GRANT = /* GraphQL */ `
  mutation ApproveRoleGrant($id: ID!) { approveRoleGrant(id: $id) { id status } }
`;
export const REJECT_ROLE_GRANT = /* GraphQL */ `
  mutation RejectRoleGrant($id: ID!) { rejectRoleGrant(id: $id) { id status } }
`;
export const REVOKE_ROLE_GRANT = /* GraphQL */ `
  mutation RevokeRoleGrant($id: ID!) { revokeRoleGrant(id: $id) { id status } }
`;

export const ORG_SPEND = /* GraphQL */ `
  query OrgSpend($org: String!) {
    org(slug: $org) {
      id
      projects(first: 50) { nodes { id slug name budget { limit unit spent reserved } } }
    }
  }
`;

// Chat. The session's log arrives over the subscription (history first, then live): a query for
// many events with their previews would pass the server's complexity limit.

const STEP_FIELDS = 'id action params when onFailure';

export const CHAT_EVENT_FIELDS = /* GraphQL */ `
  fragment ChatEventFields on ChatEvent {
    id seq kind ephemeral fromStart createdAt role text agent code inReplyTo proposalId suggestions
    author { kind id name }
    planId status verdict detail planHash
    by { kind id name }
    proposer { kind id name }
    preview { ...PreviewFields }
    steps { ${STEP_FIELDS} }
    approval { stage name groups count }
    step { index stepId action status attempt output error }
    arbitration {
      strategy reason chosenProposalId
      proposals {
        id agent rank eligible chosen support verdict cost risk approvalsNeeded summary explanation error
        blastRadius { stateKeys externalCalls }
        steps { ${STEP_FIELDS} }
        preview { ...PreviewFields }
      }
    }
  }
`;

/** A page of a session's stored events after `after` (a seq, as the connection's cursor). */
export const CHAT_EVENTS_PAGE = /* GraphQL */ `
  query ChatEventsPage($id: ID!, $first: Int!, $after: String) {
    chatSession(id: $id) {
      id
      events(first: $first, after: $after) { edges { node { ...ChatEventFields } } }
    }
  }
  ${CHAT_EVENT_FIELDS}
  ${PREVIEW_FIELDS}
`;

export const CHAT_EVENTS = /* GraphQL */ `
  subscription ChatEvents($sessionId: ID!, $after: Int) {
    chatEvents(sessionId: $sessionId, after: $after) { ...ChatEventFields }
  }
  ${CHAT_EVENT_FIELDS}
  ${PREVIEW_FIELDS}
`;

const CHAT_SESSION_SUMMARY = 'id title createdAt updatedAt lastSeq owner { kind id name }';

export const CHAT_SESSIONS = /* GraphQL */ `
  query ChatSessions($org: String!, $project: String!, $mine: Boolean!, $after: String) {
    project(org: $org, slug: $project) {
      id
      chatSessions(first: 30, after: $after, mine: $mine) {
        nodes { ${CHAT_SESSION_SUMMARY} }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

export const CHAT_SESSION = /* GraphQL */ `
  query ChatSession($id: ID!) {
    chatSession(id: $id) {
      ${CHAT_SESSION_SUMMARY}
      viewerCanWrite
      memory { facts lastPlan summary empty }
      currentPlan { id status }
      pendingChoice { strategy proposals { id agent eligible } }
      project { id slug }
    }
  }
`;

export const CHAT_SETTINGS = /* GraphQL */ `
  query ChatSettings($org: String!, $project: String!) {
    project(org: $org, slug: $project) {
      id
      chatSettings { strategy strategyLabel consensus agents { id name planner description enabled } }
    }
  }
`;

/** What a plan card in chat needs beyond the session's log: the viewer's rights, the stages. */
export const CHAT_PLAN = /* GraphQL */ `
  query ChatPlan($id: ID!) {
    plan(id: $id) {
      id title status planHash
      approvalStages { index name groups count satisfied approvals { approver decision comment createdAt } }
      viewerCanApproveNow { can reason }
      canReject: viewerCan(operation: "plan.reject")
      canExecute: viewerCan(operation: "plan.execute")
      canCancel: viewerCan(operation: "plan.cancel")
    }
  }
`;

export const CREATE_CHAT_SESSION = /* GraphQL */ `
  mutation CreateChatSession($input: CreateChatSessionInput!) {
    createChatSession(input: $input) { ${CHAT_SESSION_SUMMARY} }
  }
`;

export const SEND_CHAT_MESSAGE = /* GraphQL */ `
  mutation SendChatMessage($sessionId: ID!, $text: String!) {
    sendChatMessage(sessionId: $sessionId, text: $text) { ...ChatEventFields }
  }
  ${CHAT_EVENT_FIELDS}
  ${PREVIEW_FIELDS}
`;

export const CLEAR_CHAT_MEMORY = /* GraphQL */ `
  mutation ClearChatMemory($sessionId: ID!) {
    clearChatMemory(sessionId: $sessionId) { id memory { facts lastPlan summary empty } }
  }
`;

export const CHOOSE_PROPOSAL = /* GraphQL */ `
  mutation ChooseProposal($sessionId: ID!, $proposalId: ID!) {
    chooseProposal(sessionId: $sessionId, proposalId: $proposalId) { id status }
  }
`;

const AGENT_FIELDS = 'id name description planner role enabled';

export const CHAT_AGENTS = /* GraphQL */ `
  query ChatAgents($org: String!, $project: String!) {
    agents(org: $org) { ${AGENT_FIELDS} }
    org(slug: $org) {
      id
      agentManage: viewerCan(operation: "agent.manage")
      projectAgents: viewerCan(operation: "project.agents", project: $project)
    }
    project(org: $org, slug: $project) {
      id
      chatSettings { strategy strategyLabel consensus agents { ${AGENT_FIELDS} } }
    }
  }
`;

export const CREATE_AGENT = /* GraphQL */ `
  mutation CreateAgent($input: CreateAgentInput!) { createAgent(input: $input) { ${AGENT_FIELDS} } }
`;

export const UPDATE_AGENT = /* GraphQL */ `
  mutation UpdateAgent($input: UpdateAgentInput!) { updateAgent(input: $input) { ${AGENT_FIELDS} } }
`;

export const SET_PROJECT_AGENTS = /* GraphQL */ `
  mutation SetProjectAgents($input: SetProjectAgentsInput!) {
    setProjectAgents(input: $input) { strategy strategyLabel consensus agents { ${AGENT_FIELDS} } }
  }
`;
