/**
 * What needs a person, most urgent first, and the op calls that act on each: pending requests and
 * a missing login (needs-you), failed lanes, finished turns nobody read, then messages capacity
 * admission holds back (held: they start by themselves, a person may push one through). Pure: the `attention`
 * handler gathers the lanes, requests and receipts; the attention hook uses the reasons too. The
 * surfaces phrase the calls (the CLI as commands), as they do every hint.
 */
import type { ATTENTION_REASONS } from '../contracts/ops/attention.js';
import type { Fact } from './facts.js';
import { clip } from './lanes.js';
import type { Attention, Delivery, Lane, LatestTurn, ServerRequestRecord } from './model.js';

/** The attentions a person is told about (the others, working and idle, ask nothing). */
export type CalledAttention = Extract<Attention, 'needs-you' | 'failed' | 'done-unread'>;

export type AttentionReason = (typeof ATTENTION_REASONS)[number];

/** An item's class: a lane's called attention, or `held` for a receipt waiting for capacity. */
export type AttentionClass = CalledAttention | 'held';

/** An op call that acts on an item (the CLI shows it as a command); `fill` names the input fields holding a <placeholder>. */
export interface AttentionAction {
  op: string;
  input: Record<string, unknown>;
  fill: string[];
}

export interface AttentionItem {
  attention: AttentionClass;
  reason: AttentionReason;
  lane: string | null;
  handle: string | null;
  request: number | null;
  /** The command, the paths, the question, the error message or the last agent message. */
  summary: string;
  /** Since when it waits: the request's or the turn's time (items of a class are listed oldest first). */
  since: string;
  /** The calls that act on it, the most likely first. */
  actions: AttentionAction[];
  /** For a login: the codex home `codex login` must write to. */
  codex_home?: string;
}

/** What the handler reads for the list. */
export interface AttentionSources {
  lanes: readonly Lane[];
  pending: readonly ServerRequestRecord[];
  /** The receipts of a lane's turn (to offer `delivery.retry` for a failed one). */
  receiptsOf(laneId: string, turnId: string): readonly Delivery[];
  /** The codex home the daemon runs codex on (where a login must be written). */
  codexHome: string;
  /** Set when codex has no login while its provider needs one (no turn can run): since when. */
  missingLogin: { since: string } | null;
  /** Queued receipts capacity admission holds back (their `held` says why). */
  held: readonly Delivery[];
}

const RANK: Record<AttentionClass, number> = { 'needs-you': 0, failed: 1, 'done-unread': 2, held: 3 };

/** Most urgent class first; within a class the oldest first, then by request id and handle (stable). */
export function orderAttention(items: readonly AttentionItem[]): AttentionItem[] {
  return [...items].sort(
    (a, b) =>
      RANK[a.attention] - RANK[b.attention] ||
      a.since.localeCompare(b.since) ||
      (a.request ?? 0) - (b.request ?? 0) ||
      (a.handle ?? '').localeCompare(b.handle ?? '') ||
      (a.lane ?? '').localeCompare(b.lane ?? ''),
  );
}

/** codex says the provider refused the credentials: logging in again is the fix, not resending. */
export function isLoginFailure(error: Pick<NonNullable<LatestTurn['error']>, 'code'> | null | undefined): boolean {
  return error?.code === 'unauthorized';
}

/** A failure as the hook's reason: `login` when the provider refused the credentials, else codex's message. */
export function failureReason(error: { message: string; code?: string }): string {
  return isLoginFailure(error) ? 'login' : error.message;
}

/** Which request kinds ask a question (or show a form) rather than for permission. */
export function requestReason(kind: string): AttentionReason {
  return kind === 'userInput' ? 'question' : kind === 'elicitation' ? 'form' : 'approval';
}

const call = (op: string, input: Record<string, unknown>, fill: string[] = []): AttentionAction => ({ op, input, fill });

function respondActions(request: ServerRequestRecord): AttentionAction[] {
  const { id, prompt } = request;
  const decide = (decision: string): AttentionAction => call('request.respond', { id, decision });
  const answer = (answers: string[], fill = false): AttentionAction => call('request.respond', { id, answer: answers }, fill ? ['answer'] : []);
  if (!prompt) return [decide('accept'), decide('decline')];
  switch (prompt.type) {
    case 'questions': {
      const [only] = prompt.questions;
      if (prompt.questions.length === 1 && only) {
        const choices = only.options.map((option) => answer([option.label]));
        const free = choices.length === 0 || only.other ? [answer(['<answer>'], true)] : [];
        return [...choices, ...free, decide('decline')];
      }
      return [answer(prompt.questions.map((q) => `${q.id}=<answer>`), true), decide('decline')];
    }
    case 'form':
      return [prompt.fields.length > 0 ? answer(prompt.fields.map((f) => `${f.name}=<value>`), true) : decide('accept'), decide('decline')];
    case 'url':
      return [decide('accept'), decide('decline')];
  }
}

/** When a lane's current attention began: its latest turn's end, else its last event. */
const laneSince = (lane: Lane): string => lane.latestTurn?.at ?? lane.lastEventAt ?? lane.updatedAt;

/**
 * Every item, ordered. `selector` names a lane in an action's input: its handle when that is
 * unique, else its id.
 */
export function attentionItems(sources: AttentionSources, selector: (lane: Lane) => string): AttentionItem[] {
  const items: AttentionItem[] = [];
  const byId = new Map(sources.lanes.map((lane) => [lane.id, lane]));
  const asking = new Set<string>();
  for (const request of sources.pending) {
    const lane = request.lane === null ? undefined : byId.get(request.lane);
    if (lane) asking.add(lane.id);
    items.push({ attention: 'needs-you', reason: requestReason(request.kind), lane: request.lane, handle: lane?.handle ?? null, request: request.id, summary: request.summary, since: request.createdAt, actions: respondActions(request) });
  }
  const { codexHome } = sources;
  if (sources.missingLogin) {
    items.push({ attention: 'needs-you', reason: 'login', lane: null, handle: null, request: null, summary: `codex is not logged in (${codexHome}): no turn can reach the provider`, since: sources.missingLogin.since, actions: [], codex_home: codexHome });
  }
  for (const lane of sources.lanes) {
    const base = { lane: lane.id, handle: lane.handle, request: null, since: laneSince(lane) };
    const name = selector(lane);
    const send = call('send', { lane: name, text: '<message>' }, ['text']);
    const tail = call('lane.tail', { lane: name });
    switch (lane.attention) {
      case 'needs-you':
        // codex marks the thread waiting a moment before its request arrives; until then, point at the list.
        if (!asking.has(lane.id)) items.push({ ...base, attention: 'needs-you', reason: 'waiting', summary: 'waiting for an approval or an answer', actions: [call('request.list', { lane: name })] });
        break;
      case 'failed': {
        const error = lane.latestTurn?.error ?? null;
        const turnId = lane.latestTurn?.id;
        const receipts = turnId === undefined ? [] : sources.receiptsOf(lane.id, turnId);
        const retry = receipts.filter((d) => d.state === 'interrupted' || d.state === 'failed').map((d) => call('delivery.retry', { receipt: d.id }));
        if (isLoginFailure(error)) {
          items.push({ ...base, attention: 'needs-you', reason: 'login', summary: error?.message ?? 'the provider refused the login', actions: [...retry, send], codex_home: codexHome });
        } else {
          items.push({ ...base, attention: 'failed', reason: 'error', summary: error?.message ?? `the lane is in error (${lane.status})`, actions: [tail, ...retry, send] });
        }
        break;
      }
      case 'done-unread':
        items.push({ ...base, attention: 'done-unread', reason: 'done', summary: clip(lane.lastAgentMessage ?? '(no reply)', 200), actions: [tail, call('lane.read', { lane: [name] }), send] });
        break;
      case 'working':
      case 'idle':
        break;
    }
  }
  for (const delivery of sources.held) {
    const lane = byId.get(delivery.lane);
    const receipt = { receipt: delivery.id };
    items.push({ attention: 'held', reason: 'held', lane: delivery.lane, handle: lane?.handle ?? null, request: null, summary: `${delivery.held ?? 'held'}: ${clip(delivery.text, 160)}`, since: delivery.createdAt, actions: [call('queue.release', receipt), call('queue.cancel', receipt)] });
  }
  return orderAttention(items);
}

/** What the attention hook is told about a lane that just came to need a person. */
export interface AttentionTransition {
  laneId: string;
  handle: string;
  attention: CalledAttention;
  /** approval, question, form, login, done, or the error message of a failure. */
  reason: string;
  /** The lane's last agent message (clipped), or empty. */
  message: string;
}

const isCalled = (attention: Attention): attention is CalledAttention => attention === 'needs-you' || attention === 'failed' || attention === 'done-unread';

/** The transition a fold made, when it went into an attention a person is told about (undefined otherwise). */
export function transitionOf(from: Attention, lane: Lane, fact: Fact): AttentionTransition | undefined {
  if (from === lane.attention || !isCalled(lane.attention)) return undefined;
  return { laneId: lane.id, handle: lane.handle, attention: lane.attention, reason: transitionReason(lane, fact), message: clip(lane.lastAgentMessage ?? '', 1000) };
}

function transitionReason(lane: Lane, fact: Fact): string {
  switch (lane.attention) {
    case 'needs-you':
      if (fact.type === 'approvalRequested') return requestReason(fact.kind);
      return fact.type === 'statusChanged' && fact.activeFlags.includes('waitingOnUserInput') ? 'question' : 'approval';
    case 'failed':
      if (fact.type === 'laneLost') return fact.reason;
      return lane.latestTurn?.error ? failureReason(lane.latestTurn.error) : 'failed';
    default:
      return 'done';
  }
}
