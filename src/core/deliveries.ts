import { randomUUID } from 'node:crypto';
import { DispatchError } from '../shared/errors.js';
import type { OpContext } from './context.js';
import { clip, requireActiveTurn, requireIdle } from './lanes.js';
import type { Delivery, DeliveryMode, DeliveryState, Lane } from './model.js';
import { isAppServerUnavailable, type TranscriptTurn } from './ports.js';
import { admissionNow } from './admission.js';

export type DeliveryContext = Pick<OpContext, 'store' | 'journal' | 'appServer' | 'clock' | 'log' | 'callerCwd' | 'feed' | 'failpoint' | 'capacity'>;

/** What moving a receipt needs: the ledger's rows and the journal its facts go to. */
type Ledger = Pick<OpContext, 'store' | 'journal'>;

/**
 * Moves a receipt from one of `from` to `to` and records the change as a fact in the same
 * transaction; false (and no fact) when the receipt was in none of `from`.
 */
function moveDelivery(ctx: Ledger, delivery: Delivery, from: readonly DeliveryState[], to: DeliveryState, patch: { turnId?: string | null; error?: string | null; note?: string | null } = {}): boolean {
  return ctx.store.transaction(() => {
    if (!ctx.store.deliveries.transition(delivery.id, from, to, patch)) return false;
    ctx.journal.record({
      type: 'deliveryChanged',
      laneId: delivery.lane,
      receipt: delivery.id,
      mode: delivery.mode,
      state: to,
      ...(patch.turnId === undefined ? {} : { turnId: patch.turnId }),
      ...(patch.error ? { error: patch.error } : {}),
    });
    return true;
  });
}

/**
 * Records why admission keeps a queued receipt back (it stays `queued`): on the receipt and as a
 * deliveryChanged fact, once per new reason.
 */
function holdDelivery(ctx: Ledger, delivery: Delivery, reason: string): void {
  ctx.store.transaction(() => {
    if (!ctx.store.deliveries.hold(delivery.id, reason)) return;
    ctx.journal.record({ type: 'deliveryChanged', laneId: delivery.lane, receipt: delivery.id, mode: delivery.mode, state: 'queued', held: reason });
  });
}

export interface DeliverRequest {
  lane: Lane;
  mode: DeliveryMode;
  text: string;
  /** `op`, `trigger:<id>`, `subscription:<id>`. */
  source: string;
  idempotencyKey?: string;
}

export interface DeliverResult {
  delivery: Delivery;
  /** The idempotency key matched an earlier request with the same input: nothing was sent again. */
  duplicate: boolean;
}

/**
 * A failed app-server call either definitely did not deliver (codex answered with an error) or
 * may have (the connection died or timed out after the request left): only the first is `failed`.
 */
function outcomeOf(error: unknown): 'failed' | 'ambiguous' {
  if (error instanceof DispatchError && (error.code === 'transport_closed' || error.code === 'timeout' || error.code === 'cancelled')) return 'ambiguous';
  return 'failed';
}

const codeOf = (error: unknown): string => (error instanceof DispatchError ? error.code : 'internal');

/**
 * Runs the app-server call of a reserved (submitting) delivery and records what came of it.
 * `fromQueue`: it left the queue (queued, or a send admission held), so it goes back there while codex is away.
 */
async function submit(ctx: DeliveryContext, delivery: Delivery, call: () => Promise<string | null>, settledState: 'accepted' | 'completed' = 'accepted', fromQueue = false): Promise<Delivery> {
  let turnId: string | null;
  try {
    turnId = await call();
  } catch (error) {
    if ((fromQueue || delivery.mode === 'queue') && isAppServerUnavailable(error)) {
      // Nothing left dispatch: the message goes back to the head of its queue and waits for codex.
      moveDelivery(ctx, delivery, ['submitting'], 'queued', { note: 'codex app-server was not running; waits for it' });
      throw error;
    }
    const state = outcomeOf(error);
    ctx.store.transaction(() => {
      moveDelivery(ctx, delivery, ['submitting'], state, { error: `${codeOf(error)}: ${(error as Error).message}` });
      ctx.store.audit.record({ op: delivery.mode, lane: delivery.lane, detail: `receipt ${delivery.id}: ${clip(delivery.text)}`, outcome: state === 'ambiguous' ? 'ambiguous' : codeOf(error) });
    });
    throw error;
  }
  await ctx.failpoint('after-submit');
  ctx.store.transaction(() => {
    moveDelivery(ctx, delivery, ['submitting'], settledState, { turnId });
    if (turnId !== null) ctx.journal.record({ type: 'turnAccepted', laneId: delivery.lane, turnId, receipt: delivery.id, mode: delivery.mode });
    // A queued message that goes out is audited as a send, like 0.1.0 did (outcome `queued`).
    const op = delivery.mode === 'queue' ? 'send' : delivery.mode;
    const outcome = delivery.mode === 'queue' ? 'queued' : delivery.source === 'op' ? 'ok' : delivery.source;
    ctx.store.audit.record({ op, lane: delivery.lane, detail: `receipt ${delivery.id}: ${clip(delivery.text)}`, outcome });
  });
  return ctx.store.deliveries.find(delivery.id) ?? delivery;
}

/** Starts a turn for a delivery with the lane's stored settings (its acceptance marks the lane busy). */
async function startTurnFor(ctx: DeliveryContext, lane: Lane, delivery: Delivery): Promise<string> {
  const { turnId } = await ctx.appServer.startTurn(lane.id, {
    text: delivery.text,
    cwd: lane.cwd ?? ctx.callerCwd,
    settings: lane.settings,
    clientUserMessageId: delivery.clientMessageId,
  });
  return turnId;
}

function reserve(ctx: Ledger, request: DeliverRequest, state: 'queued' | 'submitting'): Delivery {
  return ctx.store.transaction(() => {
    const delivery = ctx.store.deliveries.insert({
      lane: request.lane.id,
      mode: request.mode,
      source: request.source,
      text: request.text,
      ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
      clientMessageId: randomUUID(),
      state,
    });
    ctx.journal.record({ type: 'deliveryChanged', laneId: delivery.lane, receipt: delivery.id, mode: delivery.mode, state });
    return delivery;
  });
}

/** Resolves when the turn has ended (or the lane no longer runs it). */
export function waitForTurnEnd(ctx: DeliveryContext, laneId: string, turnId: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    };
    const subscription = ctx.feed.onEntry(({ event }) => {
      if (event.type === 'turnCompleted' && event.laneId === laneId && event.turnId === turnId) done();
    });
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new DispatchError('timeout', `turn ${turnId} did not end within ${timeoutMs} ms after the interrupt`));
    }, timeoutMs);
    const current = ctx.store.lanes.find(laneId);
    if (!current || current.activeTurnId !== turnId) done();
  });
}

/**
 * Delivers one message with a receipt. The reservation is written before the app-server call,
 * so a crash can leave it `submitting` (→ `ambiguous` on restart) but never lose or double it.
 */
export async function deliver(ctx: DeliveryContext & Pick<OpContext, 'drainQueue'>, request: DeliverRequest): Promise<DeliverResult> {
  if (request.idempotencyKey) {
    const existing = ctx.store.deliveries.findByKey(request.idempotencyKey);
    if (existing) {
      if (existing.lane === request.lane.id && existing.mode === request.mode && existing.text === request.text) return { delivery: existing, duplicate: true };
      throw new DispatchError('conflict', `idempotency key '${request.idempotencyKey}' was used for a different message (receipt ${existing.id})`, {
        data: { receipt: existing.id },
      });
    }
  }
  const { lane } = request;
  switch (request.mode) {
    case 'queue': {
      const queued = ctx.store.transaction(() => {
        const row = reserve(ctx, request, 'queued');
        ctx.store.audit.record({ op: 'queue', lane: lane.id, detail: `receipt ${row.id}: ${clip(request.text)}` });
        return row;
      });
      await ctx.drainQueue(lane.id);
      return { delivery: ctx.store.deliveries.find(queued.id) ?? queued, duplicate: false };
    }
    case 'send': {
      requireIdle(lane, 'send', ['steer', 'queue', 'interject']);
      const held = ctx.store.deliveries.blocking(lane.id);
      if (held?.state === 'ambiguous') {
        throw new DispatchError('conflict', `receipt ${held.id} on ${lane.handle} is ambiguous; settle it first with \`dispatch delivery reconcile ${held.id}\``, { data: { receipt: held.id } });
      }
      const verdict = admissionNow(ctx);
      if (!verdict.admit) {
        // Over capacity the message is not lost or refused: it waits as a queued receipt saying why.
        const queued = ctx.store.transaction(() => {
          const row = reserve(ctx, request, 'queued');
          holdDelivery(ctx, row, verdict.reason);
          ctx.store.audit.record({ op: 'send', lane: lane.id, detail: `receipt ${row.id}: ${clip(request.text)}`, outcome: 'held' });
          return row;
        });
        return { delivery: ctx.store.deliveries.find(queued.id) ?? queued, duplicate: false };
      }
      const delivery = reserve(ctx, request, 'submitting');
      return { delivery: await submit(ctx, delivery, () => startTurnFor(ctx, lane, delivery)), duplicate: false };
    }
    case 'steer': {
      const expectedTurnId = requireActiveTurn(lane, 'steer');
      const delivery = reserve(ctx, request, 'submitting');
      const done = await submit(ctx, delivery, async () => (await ctx.appServer.steerTurn(lane.id, { expectedTurnId, text: request.text, clientUserMessageId: delivery.clientMessageId })).turnId);
      return { delivery: done, duplicate: false };
    }
    case 'interject': {
      const running = requireActiveTurn(lane, 'interject');
      const delivery = reserve(ctx, request, 'submitting');
      const done = await submit(ctx, delivery, async () => {
        await ctx.appServer.interruptTurn(lane.id, running);
        // codex ends the interrupted turn a few ms later; starting before that would race it.
        await waitForTurnEnd(ctx, lane.id, running, 10_000);
        return startTurnFor(ctx, ctx.store.lanes.find(lane.id) ?? lane, delivery);
      });
      return { delivery: done, duplicate: false };
    }
    case 'context': {
      const delivery = reserve(ctx, request, 'submitting');
      const done = await submit(ctx, delivery, async () => (await ctx.appServer.injectContext(lane.id, request.text), null), 'completed');
      return { delivery: done, duplicate: false };
    }
  }
}

/** Lanes with a drain in progress, so two idle signals never start two messages at once. */
const draining = new Set<string>();

/**
 * Starts the lane's oldest queued delivery if the lane is idle and nothing holds it: one message
 * per idle transition; an ambiguous receipt holds the lane's queue until it is settled. Over
 * capacity it stays queued with the reason (`pastLimits`: a person pushes this one receipt through).
 * Synchronous up to the app-server call, so admission's check and the start cannot interleave.
 */
export async function drainNext(ctx: DeliveryContext, laneId: string, pastLimits?: number): Promise<boolean> {
  if (draining.has(laneId)) return false;
  draining.add(laneId);
  try {
    const lane = ctx.store.lanes.find(laneId);
    if (!lane || lane.source !== 'own' || (lane.status !== 'idle' && lane.status !== 'error')) return false;
    if (ctx.store.deliveries.blocking(laneId)) return false;
    // Without codex the message stays queued; recovery drains the lane when codex is ready again.
    if (ctx.appServer.info().state !== 'running') return false;
    const next = ctx.store.deliveries.nextQueued(laneId);
    if (!next) return false;
    if (next.id !== pastLimits) {
      const verdict = admissionNow(ctx);
      if (!verdict.admit) {
        holdDelivery(ctx, next, verdict.reason);
        return false;
      }
    }
    if (!moveDelivery(ctx, next, ['queued'], 'submitting', pastLimits === next.id ? { note: 'released past the capacity limits by a person' } : {})) return false;
    try {
      await submit(ctx, next, () => startTurnFor(ctx, lane, next), 'accepted', true);
    } catch (error) {
      ctx.log.warn('queue.delivery_failed', { lane: laneId, receipt: next.id, error: (error as Error).message });
    }
    return true;
  } finally {
    draining.delete(laneId);
  }
}

/** Settles the receipts of a turn that ended (called by the reactor in wire order). */
export function settleTurn(ctx: Ledger, laneId: string, turnId: string, outcome: 'completed' | 'interrupted' | 'failed', error?: string): void {
  for (const delivery of ctx.store.deliveries.findByTurn(laneId, turnId)) {
    const patch = outcome === 'completed' ? {} : { error: outcome === 'interrupted' ? 'turn interrupted' : (error ?? 'turn failed') };
    moveDelivery(ctx, delivery, ['accepted'], outcome, patch);
  }
}

/** What a thread's history says of a receipt: the turn holding its exact client id (and the same text). */
type Evidence = { kind: 'found'; turn: TranscriptTurn } | { kind: 'mismatch'; turn: TranscriptTurn } | { kind: 'none' };

function evidenceOf(turns: readonly TranscriptTurn[], delivery: Delivery): Evidence {
  for (const turn of turns) {
    const match = turn.items.find((item) => item.type === 'userMessage' && item.clientId === delivery.clientMessageId);
    if (!match) continue;
    return { kind: (match.text ?? '').trim() === delivery.text.trim() ? 'found' : 'mismatch', turn };
  }
  return { kind: 'none' };
}

/** How many of the newest turns are searched for a receipt's client id. */
const EVIDENCE_TURNS = 50;

/**
 * After an app-server (re)start, before turns are let through: the receipts of turns lost with the
 * old process (still `accepted`, nothing runs them any more) are settled from the thread's history.
 * Completed there → `completed`; the message is there but the turn died → `interrupted`; failed →
 * `failed`; no trace (or no readable history) → `ambiguous`, which holds the lane for a person.
 */
export async function settleLostReceipts(ctx: Pick<DeliveryContext, 'store' | 'journal' | 'appServer' | 'log'>, laneId: string): Promise<void> {
  const lost = ctx.store.deliveries.list({ lane: laneId, states: ['accepted'] });
  if (lost.length === 0) return;
  let turns: TranscriptTurn[] | null = null;
  try {
    turns = await ctx.appServer.listTurns(laneId, { limit: EVIDENCE_TURNS });
  } catch (error) {
    ctx.log.warn('delivery.history_unreadable', { lane: laneId, error: (error as Error).message });
  }
  for (const delivery of lost) {
    const evidence = turns ? evidenceOf(turns, delivery) : ({ kind: 'none' } as const);
    if (evidence.kind === 'none' && turns !== null && delivery.turnId !== null) {
      // codex answered turn/start (so it had the message) and then died before saving the turn:
      // nothing of it is in the thread, so sending it again cannot double it.
      moveDelivery(ctx, delivery, ['accepted'], 'interrupted', {
        note: `codex accepted turn ${delivery.turnId} but stopped before saving it; \`dispatch delivery retry ${delivery.id}\` sends it again`,
        error: 'the turn was lost before codex saved it',
      });
      continue;
    }
    if (evidence.kind !== 'found') {
      const why = turns === null ? "the thread's history could not be read" : evidence.kind === 'mismatch' ? `turn ${evidence.turn.id} carries its client id with different text` : 'its message is not in the thread';
      moveDelivery(ctx, delivery, ['accepted'], 'ambiguous', { note: `turn lost in a restart and ${why}; not re-sent` });
      continue;
    }
    const { turn } = evidence;
    // No process runs the turn any more: one the history still shows in progress died with it,
    // unless the agent's final message was already saved (codex died before marking the turn done).
    const to = turn.status === 'completed' || endsWithReply(turn) ? 'completed' : turn.status === 'failed' ? 'failed' : 'interrupted';
    ctx.store.transaction(() => {
      const moved = moveDelivery(ctx, delivery, ['accepted'], to, {
        turnId: turn.id,
        note: `settled from the thread's history after a restart: turn ${turn.id} ${turn.status}`,
        ...(to === 'completed' ? { error: null } : { error: turn.error?.message ?? 'the turn ended when codex or dispatchd stopped' }),
      });
      // The lane learns it too (its latest turn no longer the loss recorded at the crash): from a fact, like every lane change.
      if (moved && to === 'completed') ctx.journal.record({ type: 'turnRecovered', laneId: delivery.lane, turnId: turn.id, ...replyOf(turn) });
    });
  }
}

/**
 * A turn whose last saved item is an agent message: the model had answered (a turn ends when it
 * replies without calling a tool), so the reply is complete even if codex died before turn/completed.
 */
function endsWithReply(turn: TranscriptTurn): boolean {
  if (turn.status !== 'interrupted' && turn.status !== 'inProgress') return false;
  const last = turn.items.at(-1);
  return last?.type === 'agentMessage' && Boolean(last.text) && !last.withheld;
}

/** The turn's last saved agent reply (already a placeholder when moderation withheld it), as a fact field. */
function replyOf(turn: TranscriptTurn): { lastAgentMessage?: string } {
  const reply = turn.items.findLast((item) => item.type === 'agentMessage' && Boolean(item.text));
  return reply?.text === undefined ? {} : { lastAgentMessage: reply.text };
}

/** After a restart nothing is in flight any more: a reservation left submitting may or may not have reached codex. */
export function markInterruptedSubmissions(ctx: Ledger): Delivery[] {
  const stuck = ctx.store.deliveries.list({ states: ['submitting'] });
  for (const delivery of stuck) moveDelivery(ctx, delivery, ['submitting'], 'ambiguous', { note: 'dispatch stopped while submitting; not re-sent' });
  return stuck;
}

export type ReconcileAction = 'check' | 'release' | 'cancel';

/** Receipts `check` can settle from the history: one nobody knows about, or one whose recorded end the history may contradict. */
const CHECKABLE_STATES: readonly DeliveryState[] = ['ambiguous', 'failed', 'interrupted'];

/** The receipt state a turn of the history proves. */
function stateProvenBy(turn: TranscriptTurn): DeliveryState {
  return turn.status === 'inProgress' ? 'accepted' : turn.status;
}

/**
 * Settles a receipt from evidence. `check` looks for the exact clientUserMessageId (and the same
 * text) in the thread's persisted history — nothing else counts as evidence — for an ambiguous,
 * failed or interrupted receipt; `release` puts an ambiguous one back in the queue (the person
 * decided it was not delivered); `cancel` drops it.
 */
export async function reconcile(ctx: DeliveryContext, delivery: Delivery, action: ReconcileAction): Promise<{ settled: boolean; evidence: string }> {
  if (action === 'cancel') {
    if (!moveDelivery(ctx, delivery, ['ambiguous', 'queued'], 'cancelled', { note: 'cancelled by user' })) {
      throw new DispatchError('validation', `receipt ${delivery.id} is ${delivery.state}; only queued or ambiguous receipts can be cancelled`);
    }
    return { settled: true, evidence: 'cancelled by user' };
  }
  if (action === 'release') {
    if (!moveDelivery(ctx, delivery, ['ambiguous'], 'queued', { note: 'released by user: will be sent again' })) {
      const hint = delivery.state === 'interrupted' || delivery.state === 'failed' ? `; send it again with \`dispatch delivery retry ${delivery.id}\`` : '';
      throw new DispatchError('validation', `receipt ${delivery.id} is ${delivery.state}; only ambiguous receipts can be released${hint}`);
    }
    return { settled: true, evidence: 'released by user' };
  }
  if (!CHECKABLE_STATES.includes(delivery.state)) return { settled: delivery.state !== 'submitting', evidence: `receipt is ${delivery.state}` };
  const turns = await ctx.appServer.listTurns(delivery.lane, { limit: EVIDENCE_TURNS });
  const evidence = evidenceOf(turns, delivery);
  if (evidence.kind === 'mismatch') return { settled: false, evidence: `turn ${evidence.turn.id} carries the client id but different text; left ${delivery.state}` };
  if (evidence.kind === 'none') {
    const next = delivery.state === 'ambiguous' ? 'release it to send again or cancel it' : `send it again with \`dispatch delivery retry ${delivery.id}\``;
    return { settled: delivery.state !== 'ambiguous', evidence: `no user message with client id ${delivery.clientMessageId} in the last ${turns.length} turns; ${next}` };
  }
  const { turn } = evidence;
  const to = stateProvenBy(turn);
  if (to !== delivery.state) moveDelivery(ctx, delivery, [delivery.state], to, { turnId: turn.id, note: `found in turn ${turn.id} (${turn.status})`, ...(to === 'completed' ? { error: null } : {}) });
  return { settled: true, evidence: `user message with client id ${delivery.clientMessageId} found in turn ${turn.id} (${turn.status})` };
}
