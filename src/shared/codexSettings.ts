/**
 * The closed value sets of codex's per-lane settings, once. contracts/ builds its schemas from them,
 * core/ its types, and the simulator (which may import only shared/) its config.toml checks.
 */
export const SANDBOX_MODES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

export const APPROVAL_POLICIES = ['never', 'untrusted', 'on-request', 'on-failure'] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];

export const APPROVALS_REVIEWERS = ['user', 'auto_review', 'guardian_subagent'] as const;
export const REASONING_SUMMARIES = ['auto', 'concise', 'detailed', 'none'] as const;
export const PERSONALITIES = ['none', 'friendly', 'pragmatic'] as const;
