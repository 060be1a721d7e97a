import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, readRequestLog, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Receipt = { receipt: number; state: string; turn_id: string | null; text: string; source: string; note: string | null };

const isGone = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

/** A reply streamed over `seconds`, so a kill lands mid-turn. */
const slow = (seconds: number, words: string): string => `@sim slow ${seconds * 10}x100\n@sim reply ${words.padEnd(seconds * 10, '.')}`;

// kill -9 of dispatchd mid-turn with the real app-server: the receipt is settled from the thread's history.
describe('receipts after a daemon crash', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  it('a turn killed with dispatchd is settled from the history (interrupted, not failed by the crash), the queue moves on, and `delivery retry` sends it again once', async () => {
    await h.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    const doomedText = slow(8, 'doomed');
    const doomed = await h.ok<Receipt>(['send', 'worker', doomedText]);
    expect(doomed.state).toBe('accepted');
    const next = await h.ok<Receipt>(['send', 'worker', '@sim reply next', '--queue']);
    expect(next.state).toBe('queued');
    await pollUntil(async () => readRequestLog(h.home).filter((r) => r.lastUserText === doomedText).length, (n) => n === 1, 'the slow message reaching the model', 20_000);
    const status = await h.ok<{ daemon: { pid: number }; app_server: { pid: number } }>(['daemon', 'status']);
    process.kill(status.daemon.pid, 'SIGKILL');
    await pollUntil(async () => isGone(status.daemon.pid) && isGone(status.app_server.pid), (gone) => gone, 'the killed daemon and its app-server exiting', 10_000);

    const up = await h.run(['up', '--simulate']);
    expect(up.code, up.stderr).toBe(0);
    const settled = await pollUntil(
      () => h.ok<Receipt>(['delivery', 'get', String(doomed.receipt)]),
      (d) => d.state !== 'accepted',
      'the lost receipt being settled from the history',
      20_000,
    );
    // Settled from what the thread's history says, never failed blindly by the crash. The simulated
    // provider runs inside dispatchd, so its death can cut codex's model stream first: codex may then
    // save the turn as failed (a stream error) before it sees dispatchd gone, and the receipt says so.
    expect(settled.turn_id).toBe(doomed.turn_id);
    expect(['interrupted', 'failed']).toContain(settled.state);
    expect(settled.note).toMatch(settled.state === 'failed' ? /settled from the thread's history after a restart: turn \S+ failed/ : /thread's history|stopped before saving it/);
    // The message after it was not held: the lane's queue went on.
    await pollUntil(() => h.ok<Receipt>(['delivery', 'get', String(next.receipt)]), (d) => d.state === 'completed', 'the queued message completing', 30_000);

    const retry = await h.ok<{ delivery: Receipt; retry_of: number; duplicate: boolean }>(['delivery', 'retry', String(doomed.receipt)]);
    expect(retry).toMatchObject({ retry_of: doomed.receipt, duplicate: false, delivery: { text: doomedText, source: `retry:${doomed.receipt}` } });
    const again = await h.ok<{ delivery: Receipt; duplicate: boolean }>(['delivery', 'retry', String(doomed.receipt)]);
    expect(again).toMatchObject({ duplicate: true, delivery: { receipt: retry.delivery.receipt } });
    await pollUntil(() => h.ok<Receipt>(['delivery', 'get', String(retry.delivery.receipt)]), (d) => d.state === 'completed', 'the retry completing', 40_000);
    const lane = await waitForLane(h, 'worker');
    expect(lane['last_agent_message']).toBe('doomed'.padEnd(80, '.'));
    expect(readRequestLog(h.home).filter((r) => r.lastUserText === doomedText)).toHaveLength(2);

    // Only a receipt whose turn did not end well is retried.
    const refused = await h.run(['delivery', 'retry', String(next.receipt)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/completed; only interrupted or failed receipts can be retried/);
  }, 120_000);
});
