/** The domain records dispatch keeps. Wire shapes never appear here; codex/ and store/ translate. */

import { DELIVERY_STATES, REQUEST_STATES, type ATTENTIONS, type LANE_SOURCES, type LANE_STATES, type SEND_MODES, type TURN_STATUSES } from '../contracts/schemas.js';
import type { APPROVALS_REVIEWERS, ApprovalPolicy, PERSONALITIES, REASONING_SUMMARIES, SandboxMode } from '../shared/codexSettings.js';

export type LaneSource = (typeof LANE_SOURCES)[number];

/** dispatch's own view of a lane, folded from its facts (lane/state.ts). */
export type LaneState = (typeof LANE_STATES)[number];

export type Attention = (typeof ATTENTIONS)[number];

export { APPROVAL_POLICIES, APPROVALS_REVIEWERS, PERSONALITIES, REASONING_SUMMARIES, SANDBOX_MODES, type ApprovalPolicy, type SandboxMode } from '../shared/codexSettings.js';

export type ApprovalDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

/** A rule: a command prefix (`npm test`) or a path prefix (`src/`) decides an approval on its own. */
export interface ApprovalRule {
  decision: 'accept' | 'decline';
  command?: string;
  path?: string;
}

/** How a lane's approval requests are answered: ask a person (with a timeout), deny, or allow. */
export interface ApprovalRouting {
  mode: 'ask' | 'deny' | 'allow';
  timeoutSeconds: number;
  /** What an unanswered `ask` becomes when the timeout passes. */
  onTimeout: 'decline' | 'cancel';
  rules: ApprovalRule[];
}

export const DEFAULT_APPROVAL_ROUTING: ApprovalRouting = { mode: 'ask', timeoutSeconds: 900, onTimeout: 'decline', rules: [] };

/** Settings a lane was created with; every later turn on the lane uses them. */
export interface TurnSettings {
  approvals?: ApprovalRouting;
  sandbox: SandboxMode;
  approvalPolicy: ApprovalPolicy;
  approvalsReviewer?: (typeof APPROVALS_REVIEWERS)[number];
  model?: string;
  modelProvider?: string;
  /** Model-defined string (models advertise their own efforts), not a closed enum. */
  effort?: string;
  summary?: (typeof REASONING_SUMMARIES)[number];
  personality?: (typeof PERSONALITIES)[number];
  serviceTier?: string;
  outputSchema?: unknown;
}

/** What a lane runs with when nothing (input, config, preset) says otherwise. */
export const DEFAULT_TURN_SETTINGS: TurnSettings = { sandbox: 'read-only', approvalPolicy: 'never' };

export interface LatestTurn {
  id: string;
  status: (typeof TURN_STATUSES)[number];
  error: { message: string; code?: string; details?: string } | null;
  at: string;
}

/** A lane's own git worktree: where it is, its branch, the ref it was branched from, the main checkout it belongs to. */
export interface LaneWorktree {
  /** The main working tree of the repository (where `git worktree` is run from). */
  repo: string;
  path: string;
  branch: string;
  /** What ahead/behind are counted against: a branch name, or a commit when the repo's HEAD was detached. */
  base: string;
}

export interface Lane {
  /** The codex thread id. */
  id: string;
  handle: string;
  source: LaneSource;
  cwd: string | null;
  status: LaneState;
  /** What the lane asks of a person; folded with status (lane/state.ts). */
  attention: Attention;
  activeTurnId: string | null;
  settings: TurnSettings;
  ephemeral: boolean;
  latestTurn: LatestTurn | null;
  /** Text of the last agent message seen on the lane (template variable for triggers). */
  lastAgentMessage: string | null;
  /** The git worktree made for the lane (`--worktree`), kept after it is removed so restore can recreate it. */
  worktree: LaneWorktree | null;
  createdAt: string;
  updatedAt: string;
  lastEventAt: string | null;
}

export interface AuditEntry {
  id: number;
  ts: string;
  op: string;
  lane: string | null;
  triggerId: string | null;
  detail: string | null;
  outcome: string;
}

export type TriggerWhen =
  | { kind: 'interval'; seconds: number }
  | { kind: 'cron'; expr: string; timezone?: string }
  | { kind: 'idle_for'; seconds: number }
  /** `lane_done`: a turn ended and codex will not continue on its own (no active goal). */
  | { kind: 'event'; event: 'turn_completed' | 'turn_failed' | 'waiting_on_approval' | 'lane_idle' | 'lane_done' };

export interface TriggerAction {
  /** `inbox` records the message in the durable inbox instead of sending it to a lane. */
  kind: 'send' | 'steer' | 'context' | 'inbox';
  text: string;
  /** Id of the lane the action goes to; the watched lane when absent. */
  target?: string;
}

export interface TriggerGuard {
  idleOnly: boolean;
  minIntervalSeconds: number | null;
  dedupe: boolean;
  once: boolean;
}

export interface Trigger {
  id: string;
  name: string;
  /** Id of the watched lane (resolved once, when the trigger is added, so a rename never breaks it). */
  lane: string;
  when: TriggerWhen;
  action: TriggerAction;
  guard: TriggerGuard;
  enabled: boolean;
  createdAt: string;
  lastFiredAt: string | null;
  /** Why the latest firing failed; null once a firing succeeds. */
  lastError: string | null;
  /** Failed firings in a row (0 after a success). */
  failureCount: number;
}

/**
 * A receipt's life: `queued` (waiting for the lane to go idle) → `submitting` (reserved, the
 * app-server call in flight) → `accepted` (codex took it: a turn started, or context injected) →
 * `completed` | `interrupted` (the message is in the thread, its turn died or was stopped: retry it
 * with `delivery retry`) | `failed`. `ambiguous`: dispatch lost track (a crash while submitting, or a
 * lost turn the history says nothing of); it is never re-sent on its own and holds later queued work
 * for its lane until reconciled or released.
 */
export { DELIVERY_STATES };
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** Where a receipt ends; until then it is unsettled (and the facts about it are kept). */
export const SETTLED_DELIVERY_STATES: readonly DeliveryState[] = ['completed', 'interrupted', 'failed', 'cancelled'];

export type DeliveryMode = (typeof SEND_MODES)[number];

export interface Delivery {
  id: number;
  lane: string;
  mode: DeliveryMode;
  /** Who asked: `op`, `trigger:<id>`, `subscription:<id>`. */
  source: string;
  text: string;
  idempotencyKey: string | null;
  /** Sent as turn/start's clientUserMessageId; codex stores it on the user message. */
  clientMessageId: string;
  state: DeliveryState;
  turnId: string | null;
  error: string | null;
  note: string | null;
  /** Why admission holds this queued receipt back (over capacity); null when nothing holds it. */
  held: string | null;
  createdAt: string;
  updatedAt: string;
}

export { REQUEST_STATES };
export type RequestState = (typeof REQUEST_STATES)[number];

/** A request codex sent dispatch (an approval, or another kind), answered exactly once. */
export interface ServerRequestRecord {
  id: number;
  /** The app-server connection it came on; JSON-RPC ids restart with every connection. */
  generation: number;
  rpcId: string;
  lane: string | null;
  method: string;
  kind: string;
  /** What is asked: the command, the reason, the paths, the question. */
  summary: string;
  /** The full question of a user-input or elicitation request (null for approvals). */
  prompt: RequestPrompt | null;
  state: RequestState;
  decision: string | null;
  decidedBy: string | null;
  createdAt: string;
  answeredAt: string | null;
  error: string | null;
  /** What was answered to a prompt: answers per question id, or the form content (secret answers redacted). */
  answer: Record<string, unknown> | null;
}

/** One question of a user-input request, with the choices the agent offered. */
export interface UserQuestion {
  id: string;
  header: string;
  question: string;
  options: Array<{ label: string; description: string }>;
  /** A free-form answer is allowed besides the options. */
  other: boolean;
  /** The answer must not be kept or shown (it is never stored or audited). */
  secret: boolean;
}

/** One field of an elicitation form. */
export interface FormField {
  name: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'array';
  title?: string;
  description?: string;
  required: boolean;
  /** Allowed values (enums, multi-selects). */
  choices?: string[];
}

/** What a request other than an approval asks a person. */
export type RequestPrompt =
  | { type: 'questions'; questions: UserQuestion[] }
  | { type: 'form'; server: string; message: string; fields: FormField[] }
  | { type: 'url'; server: string; message: string; url: string };

/** A person's (or the policy's, or the timeout's) reply to a prompt. */
export type PromptReply =
  | { decision: 'accept'; answers?: Record<string, string[]>; content?: Record<string, unknown> }
  | { decision: 'decline' | 'cancel' };

/** A message for whoever orchestrates (a person or an MCP client): durable until acknowledged. */
export interface InboxItem {
  id: number;
  /** The lane the news is about. */
  lane: string;
  event: string;
  text: string;
  triggerId: string | null;
  createdAt: string;
  readAt: string | null;
  ackedAt: string | null;
}
