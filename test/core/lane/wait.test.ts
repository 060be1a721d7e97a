import { describe, expect, it } from 'vitest';
import type { OpContext } from '../../../src/core/context.js';
import { executeOp } from '../../../src/daemon/executor.js';
import { laneIsAt } from '../../../src/core/lane/wait.js';
import type { Lane } from '../../../src/core/model.js';
import { contextWithAlpha } from '../../contracts/opContext.js';

type WaitResult = { reason: string; fact: { seq: number; type: string } | null; lane: { attention: string } };

const laneOf = (ctx: OpContext): Lane => {
  const lane = ctx.store.lanes.list().find((l) => l.handle === '@alpha');
  if (!lane) throw new Error('no @alpha');
  return lane;
};

/** Settles with the wait's answer or error, so a test can check it has not settled yet. */
function track(promise: Promise<unknown>): { settled: () => boolean; result: Promise<unknown> } {
  let settled = false;
  const result = promise.finally(() => (settled = true));
  result.catch(() => undefined);
  return { settled: () => settled, result };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

// lane.wait wakes on the facts the journal publishes, reading the lane's fold.
describe('lane.wait', () => {
  it('reads each condition off the folded attention', () => {
    const base = { status: 'idle', attention: 'idle' } as Lane;
    expect(laneIsAt(base, 'idle')).toBe(true);
    expect(laneIsAt({ ...base, status: 'busy', attention: 'working' }, 'idle')).toBe(false);
    expect(laneIsAt({ ...base, status: 'waiting_approval', attention: 'needs-you' }, 'needs-you')).toBe(true);
    expect(laneIsAt({ ...base, status: 'error', attention: 'failed' }, 'failed')).toBe(true);
    expect(laneIsAt({ ...base, status: 'error', attention: 'failed' }, 'idle')).toBe(true);
    expect(laneIsAt({ ...base, attention: 'done-unread' }, 'done')).toBe(true);
    expect(laneIsAt({ ...base, attention: 'done-unread' }, 'done', true)).toBe(false);
    expect(laneIsAt(base, 'done')).toBe(false);
  });

  it('returns at once when the lane is already there, and wakes on the fact that brings it there', async () => {
    const ctx = await contextWithAlpha();
    const lane = laneOf(ctx);
    expect(await executeOp('lane.wait', { lane: '@alpha', until: 'idle', timeout: 5 }, ctx)).toMatchObject({ reason: 'already', fact: null });
    ctx.journal.record({ type: 'turnStarted', laneId: lane.id, turnId: 't1' });
    const waiting = track(executeOp('lane.wait', { lane: '@alpha', until: 'done', timeout: 5 }, ctx));
    await tick();
    expect(waiting.settled()).toBe(false);
    const { seq } = ctx.journal.record({ type: 'turnCompleted', laneId: lane.id, turnId: 't1', outcome: 'completed' });
    expect((await waiting.result) as WaitResult).toMatchObject({ reason: 'reached', fact: { seq, type: 'turnCompleted' }, lane: { attention: 'done-unread' } });
  });

  it('is not done while the goal makes codex start the next turn by itself', async () => {
    const ctx = await contextWithAlpha();
    const lane = laneOf(ctx);
    ctx.journal.record({ type: 'turnStarted', laneId: lane.id, turnId: 't1' });
    const waiting = track(executeOp('lane.wait', { lane: '@alpha', until: 'done', timeout: 5 }, ctx));
    ctx.journal.record({ type: 'goalUpdated', laneId: lane.id, objective: 'ship', status: 'active' });
    ctx.journal.record({ type: 'turnCompleted', laneId: lane.id, turnId: 't1', outcome: 'completed' });
    ctx.journal.record({ type: 'turnStarted', laneId: lane.id, turnId: 't2' });
    await tick();
    expect(waiting.settled()).toBe(false);
    ctx.journal.record({ type: 'goalUpdated', laneId: lane.id, objective: 'ship', status: 'complete' });
    const { seq } = ctx.journal.record({ type: 'turnCompleted', laneId: lane.id, turnId: 't2', outcome: 'completed' });
    expect((await waiting.result) as WaitResult).toMatchObject({ reason: 'reached', fact: { seq } });
  });

  it('fails with a typed timeout naming where the lane is, and with cancelled when its caller gives up', async () => {
    const ctx = await contextWithAlpha();
    await expect(executeOp('lane.wait', { lane: '@alpha', until: 'needs-you', timeout: 0.05 }, ctx)).rejects.toMatchObject({ code: 'timeout', data: { until: 'needs-you', attention: 'idle' } });
    const controller = new AbortController();
    const waiting = executeOp('lane.wait', { lane: '@alpha', until: 'failed', timeout: 60 }, { ...ctx, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
  });
});
