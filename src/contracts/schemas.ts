import { z } from 'zod';
import { APPROVAL_POLICIES, APPROVALS_REVIEWERS, PERSONALITIES, REASONING_SUMMARIES, SANDBOX_MODES } from '../shared/codexSettings.js';
import { MAX_TEXT_CHARS, textChars, textTooLongMessage } from './limits.js';

/** Schemas shared by several op contracts. Field names are snake_case on every surface. */

export const laneSelector = z.string().min(1).describe('Lane id, unique id prefix, or handle (@name; the @ may be omitted).');

/** Message text sent to codex: refused here, before any receipt exists, when codex would refuse it. */
export const messageText = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    if (text.length <= MAX_TEXT_CHARS) return;
    const chars = textChars(text);
    if (chars > MAX_TEXT_CHARS) ctx.addIssue({ code: 'too_big', origin: 'string', maximum: MAX_TEXT_CHARS, inclusive: true, input: text, message: textTooLongMessage(chars) });
  })
  .meta({ maxLength: MAX_TEXT_CHARS });

export const LANE_STATES = ['idle', 'busy', 'waiting_approval', 'error', 'archived', 'unknown'] as const;
export const LANE_SOURCES = ['own', 'attached'] as const;
export const laneState = z.enum(LANE_STATES);

/** A lane in one of these states has a turn in flight: running, or paused inside it on an approval. */
export const RUNNING_LANE_STATES = ['busy', 'waiting_approval'] as const;
export function isRunningLaneState(state: string): boolean {
  return (RUNNING_LANE_STATES as readonly string[]).includes(state);
}
export const laneSource = z.enum(LANE_SOURCES);

/** What a lane asks of a person, most urgent first: folded from its facts (core/lane/state.ts). */
export const ATTENTIONS = ['needs-you', 'failed', 'done-unread', 'working', 'idle'] as const;
export const attention = z.enum(ATTENTIONS).describe('needs-you: an approval or question waits; failed: its last turn failed; done-unread: a turn finished and nobody read it yet; working; idle.');

export const sandboxMode = z.enum(SANDBOX_MODES).describe('Sandbox for the lane\'s commands.');
export const approvalPolicy = z.enum(APPROVAL_POLICIES).describe('When codex asks before running commands.');
export const approvalsReviewer = z.enum(APPROVALS_REVIEWERS).describe('Who reviews approval requests.');
export const reasoningSummary = z.enum(REASONING_SUMMARIES).describe('Reasoning summary level.');
export const personality = z.enum(PERSONALITIES).describe('Agent personality.');

export const TURN_STATUSES = ['inProgress', 'completed', 'interrupted', 'failed'] as const;

export const latestTurn = z.object({
  id: z.string(),
  status: z.enum(TURN_STATUSES),
  error: z.object({ message: z.string(), code: z.string().optional(), details: z.string().optional().describe('the underlying cause codex gives, e.g. why a retried provider call fails') }).nullable(),
  at: z.string(),
});

/** The identity every lane output carries. */
export const laneRef = z.object({
  id: z.string().describe('The codex thread id.'),
  handle: z.string(),
  source: laneSource,
  status: laneState,
  attention,
  cwd: z.string().nullable(),
});

export const turnSettingsView = z.object({
  sandbox: sandboxMode,
  approval_policy: approvalPolicy,
  approvals_reviewer: approvalsReviewer.optional(),
  model: z.string().optional(),
  model_provider: z.string().optional(),
  effort: z.string().optional(),
  summary: reasoningSummary.optional(),
  personality: personality.optional(),
  service_tier: z.string().optional(),
});

/** A lane's git worktree as stored: where, on which branch, counted against which base. */
export const laneWorktreeRef = z.object({
  path: z.string(),
  branch: z.string(),
  base: z.string().describe('The branch (or commit) the worktree branched from; ahead/behind count against it.'),
  repo: z.string().describe('The main checkout the worktree belongs to.'),
});

export const laneDetail = laneRef.extend({
  active_turn_id: z.string().nullable(),
  latest_turn: latestTurn.nullable(),
  last_agent_message: z.string().nullable(),
  settings: turnSettingsView,
  ephemeral: z.boolean(),
  writable: z.boolean().describe('False for attached lanes: they are observe-only.'),
  worktree: laneWorktreeRef.nullable().describe('The git worktree made for the lane (--worktree).'),
  created_at: z.string(),
  updated_at: z.string(),
  last_event_at: z.string().nullable(),
});

/** What a write op that talks to a lane returns. */
export const actionAck = z.object({
  lane: z.string().describe('Lane id.'),
  handle: z.string(),
  op: z.string(),
  accepted: z.boolean(),
  turn_id: z.string().nullable().describe('The turn the action started or targeted, when there is one.'),
  detail: z.string().nullable(),
});

export const transcriptItem = z.object({
  turn_id: z.string(),
  item_id: z.string(),
  type: z.string(),
  text: z.string().nullable(),
});

export const goalView = z.object({
  objective: z.string(),
  status: z.string(),
  token_budget: z.number().nullable(),
  tokens_used: z.number(),
  time_used_seconds: z.number(),
  created_at: z.number(),
  updated_at: z.number(),
});

export const goalOutput = z.object({ lane: z.string(), goal: goalView.nullable() });

/** New-lane settings accepted by `new` and `fork` (all optional; unset ones come from config). */
export const turnSettingsInput = {
  sandbox: sandboxMode.optional(),
  approval_policy: approvalPolicy.optional(),
  approvals_reviewer: approvalsReviewer.optional(),
  model: z.string().min(1).optional().describe('Model slug; codex\'s configured default when unset.'),
  model_provider: z.string().min(1).optional().describe('Model provider id from codex config.'),
  effort: z.string().min(1).optional().describe('Reasoning effort (model-defined, e.g. low, medium, high).'),
  summary: reasoningSummary.optional(),
  personality: personality.optional(),
  service_tier: z.string().min(1).optional().describe('Service tier id.'),
};

export const triggerWhenKind = z.enum(['interval', 'cron', 'idle_for', 'turn_completed', 'turn_failed', 'waiting_on_approval', 'lane_idle', 'lane_done']);
export const triggerActionKind = z.enum(['send', 'steer', 'context', 'inbox']);

export const triggerView = z.object({
  id: z.string(),
  name: z.string(),
  lane: z.string().describe('The watched lane\'s current handle.'),
  lane_id: z.string(),
  when: triggerWhenKind,
  seconds: z.number().nullable(),
  cron: z.string().nullable(),
  timezone: z.string().nullable(),
  action: triggerActionKind,
  target: z.string().nullable().describe('The current handle of the lane the action goes to (null: the watched lane).'),
  target_id: z.string().nullable(),
  text: z.string(),
  idle_only: z.boolean(),
  min_interval: z.number().nullable(),
  dedupe: z.boolean(),
  once: z.boolean(),
  enabled: z.boolean(),
  created_at: z.string(),
  last_fired_at: z.string().nullable(),
  failure_count: z.number().int().describe('Failed firings in a row; 0 after a successful one.'),
  last_error: z.string().nullable().describe('Why the latest firing failed; null once one succeeds.'),
});

export const triggerId = z.string().min(1).describe('Trigger id.');

export const DELIVERY_STATES = ['queued', 'submitting', 'accepted', 'completed', 'interrupted', 'failed', 'ambiguous', 'cancelled'] as const;
export const SEND_MODES = ['send', 'steer', 'queue', 'interject', 'context'] as const;
export const REQUEST_STATES = ['pending', 'answered', 'expired', 'failed'] as const;

export const receiptId = z.number().int().min(1).describe('Delivery receipt id.');

export const deliveryView = z.object({
  receipt: z.number(),
  lane: z.string(),
  mode: z.enum(SEND_MODES),
  source: z.string(),
  state: z.enum(DELIVERY_STATES),
  text: z.string(),
  idempotency_key: z.string().nullable(),
  client_message_id: z.string(),
  turn_id: z.string().nullable(),
  error: z.string().nullable(),
  note: z.string().nullable(),
  held: z.string().nullable().describe('Why capacity admission keeps this queued receipt back (busy lanes, a rate-limit window), and until when; null when nothing holds it. `dispatch queue release RECEIPT` sends it now.'),
  created_at: z.string(),
  updated_at: z.string(),
});

/** One of the account's rate-limit windows as codex last reported it. */
export const rateLimitWindowView = z.object({
  window: z.enum(['primary', 'secondary']),
  used_percent: z.number(),
  window_minutes: z.number().nullable(),
  resets_at: z.string().nullable().describe('When the window resets (ISO); null when codex did not say.'),
  observed_at: z.string().describe('When codex reported it.'),
});

/** The question of a user-input or elicitation request, as a person answers it. */
export const requestPromptView = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('questions'),
    questions: z.array(
      z.object({
        id: z.string().describe('Answer with --answer ID=VALUE (or just VALUE when there is one question).'),
        header: z.string(),
        question: z.string(),
        options: z.array(z.object({ label: z.string(), description: z.string() })),
        other: z.boolean().describe('A free-form answer is accepted besides the options.'),
        secret: z.boolean().describe('The answer is not kept or shown.'),
      }),
    ),
  }),
  z.object({
    type: z.literal('form'),
    server: z.string().describe('The MCP server asking.'),
    message: z.string(),
    fields: z.array(
      z.object({
        name: z.string(),
        type: z.enum(['string', 'number', 'integer', 'boolean', 'array']),
        title: z.string().optional(),
        description: z.string().optional(),
        required: z.boolean(),
        choices: z.array(z.string()).optional(),
      }),
    ),
  }),
  z.object({ type: z.literal('url'), server: z.string(), message: z.string(), url: z.string() }),
]);

export const requestView = z.object({
  id: z.number(),
  lane: z.string().nullable(),
  kind: z.string().describe('command, fileChange, permissions (approvals), userInput (the agent asks), elicitation (an MCP server asks).'),
  method: z.string(),
  summary: z.string().describe('What is asked: the command, the paths of a file change, the question and its options.'),
  state: z.enum(REQUEST_STATES),
  decision: z.string().nullable(),
  decided_by: z.string().nullable(),
  created_at: z.string(),
  answered_at: z.string().nullable(),
  error: z.string().nullable(),
  // Last, so the terminal table keeps state and decision among its first columns.
  prompt: requestPromptView.nullable().describe('The full question of userInput and elicitation requests; null for approvals.'),
  answer: z.record(z.string(), z.unknown()).nullable().describe('What was answered to a prompt (secret answers redacted).'),
});

/** Approval routing accepted by `new` (and presets): who answers codex's approval requests. */
export const approvalRoutingInput = {
  approvals: z.enum(['ask', 'deny', 'allow']).optional().describe('Approval requests: ask a person (`request respond`), deny, or allow.'),
  approval_timeout: z.number().positive().optional().describe('Seconds to wait for a person before declining (ask mode; default 900).'),
  approval_rule: z
    .array(z.string().regex(/^(allow|deny):(cmd|path):.+$/, 'use allow|deny:cmd|path:<prefix>, e.g. allow:cmd:npm test'))
    .optional()
    .describe('Rules decided without asking, e.g. "allow:cmd:npm test", "deny:cmd:rm -rf", "allow:path:src/".'),
};

export const subscriptionWhen = z.enum(['done', 'failed', 'needs-attention']).describe('done: it finished (idle, no goal continuation pending); failed: a turn failed; needs-attention: it waits for an approval.');

export const inboxItemView = z.object({
  id: z.number(),
  lane: z.string(),
  event: z.string(),
  text: z.string(),
  trigger_id: z.string().nullable(),
  created_at: z.string(),
  read_at: z.string().nullable(),
  acked_at: z.string().nullable(),
});

/* The fleet (issue 12): lanes, receipts and requests of other stations, named NAME@STATION. */

export const stationName = z.string().min(1).describe('A station of the fleet (its `[fleet] station` name).');

/** A cross-station message's receipt: `m<N>`, its entry in this station's outbox (local receipts stay numbers). */
export const remoteReceipt = z.string().regex(/^m[1-9]\d*$/, 'a remote receipt is m<N>').describe('Receipt of a message to another station: m<N>, its entry in this station\'s outbox.');

/** A receipt as `delivery get` takes it: this station's number (also as digits), or m<N> for a message to another station. */
export const receiptRef = z
  .union([receiptId, z.string().regex(/^m?[1-9]\d*$/, 'a receipt is a number, or m<N> for a message to another station')])
  .describe('Delivery receipt id, or m<N> for a message sent to another station\'s lane.');

export const remoteRequestView = z.object({
  id: z.number().describe('The request id on its station (answer it with `request respond ID --station STATION`).'),
  station: z.string(),
  lane: z.string().describe('The asking lane as `@name@station`.'),
  kind: z.string(),
  summary: z.string(),
  state: z.literal('pending'),
  created_at: z.string(),
});

/** A lane of another station, as its station publishes it in the lane directory. */
export const fleetLaneView = z.object({
  id: z.string().describe('The lane id on its station.'),
  handle: z.string().describe('How to name it from here: `@name@station`.'),
  station: z.string(),
  status: laneState,
  attention,
  reachable: z.boolean().describe('False when its station\'s lease lapsed (crashed, cut off or hung): what it shows is as of then.'),
  cwd: z.string().nullable(),
  active_turn_id: z.string().nullable(),
  updated_at: z.string().describe('When the lane last changed, on its station\'s clock.'),
});
