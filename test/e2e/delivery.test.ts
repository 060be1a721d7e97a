import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, readRequestLog, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Receipt = { receipt: number; state: string; turn_id: string | null; text: string };

const isGone = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

// The delivery ledger across a daemon crash, with the real app-server and the simulated provider.
describe('delivery ledger', () => {
  let h: DispatchHarness;
  const timesSent = (text: string): number => readRequestLog(h.home).filter((r) => r.lastUserText === text).length;

  beforeAll(async () => {
    // The first daemon stops for good right after codex accepts a message, before it records that:
    // the "ACK lost" crash. The test then kills it with SIGKILL.
    h = await startDispatchHarness({ daemonEnv: { DISPATCH_FAILPOINT: 'after-submit' } });
  }, 60_000);
  afterAll(async () => h?.close());

  it('returns the same receipt for a repeated idempotency key and refuses the key for other text', async () => {
    const plain = await startDispatchHarness();
    try {
      await plain.ok(['new', '--name', 'idem', '--prefix', '', '--no-send']);
      const first = await plain.ok<Receipt & { duplicate: boolean }>(['send', 'idem', '@sim reply once', '--idempotency-key', 'k1']);
      await waitForLane(plain, 'idem');
      const again = await plain.ok<Receipt & { duplicate: boolean }>(['send', 'idem', '@sim reply once', '--idempotency-key', 'k1']);
      expect(again).toMatchObject({ receipt: first.receipt, duplicate: true });
      expect((await plain.ok<Receipt>(['delivery', 'get', String(first.receipt)])).state).toBe('completed');
      const conflict = await plain.run(['send', 'idem', 'different text', '--idempotency-key', 'k1']);
      expect(conflict.code).toBe(10);
      expect(readRequestLog(plain.home).filter((r) => r.lastUserText === '@sim reply once')).toHaveLength(1);
    } finally {
      await plain.close();
    }
  }, 60_000);

  it('after kill -9 while submitting: ambiguous, never re-sent, holds its lane only, settled by reconcile', async () => {
    await h.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    await h.ok(['new', '--name', 'bystander', '--prefix', '', '--no-send']);
    // M1 is reserved and sent; the daemon then hangs at the failpoint before recording acceptance.
    const m1 = await h.run(['send', 'worker', '@sim reply first', '--queue'], { timeoutMs: 3000 });
    expect(m1.code).not.toBe(0);
    await pollUntil(async () => timesSent('@sim reply first'), (n) => n === 1, 'the first message reaching the model', 20_000);
    const m2 = await h.ok<Receipt>(['send', 'worker', '@sim reply second', '--queue']);
    const m3 = await h.ok<Receipt>(['send', 'worker', '@sim reply third', '--queue']);
    expect([m2.state, m3.state]).toEqual(['queued', 'queued']);
    const status = await h.ok<{ daemon: { pid: number } }>(['daemon', 'status']);
    process.kill(status.daemon.pid, 'SIGKILL');
    await pollUntil(async () => isGone(status.daemon.pid), (gone) => gone, 'the killed daemon exiting', 10_000);

    const up = await h.run(['up', '--simulate'], { env: { ...h.env, DISPATCH_FAILPOINT: '' } });
    expect(up.code, up.stderr).toBe(0);
    const listed = await h.ok<{ deliveries: Receipt[] }>(['queue', 'list', '--lane', 'worker']);
    const [first, second, third] = listed.deliveries;
    console.log(`receipts right after the restart: ${JSON.stringify(listed.deliveries.map((d) => d.state))}`);
    expect(first).toMatchObject({ state: 'ambiguous', text: '@sim reply first' });
    expect([second?.state, third?.state]).toEqual(['queued', 'queued']);

    // Other lanes keep going while this one is held.
    await h.ok(['send', 'bystander', '@sim reply unaffected', '--queue']);
    await waitForLane(h, 'bystander', (l) => l['last_agent_message'] === 'unaffected');
    // The daemon has run a whole turn since its restart and the worker's queue still waits behind the ambiguous receipt.
    expect((await h.ok<{ deliveries: Receipt[] }>(['queue', 'list', '--lane', 'worker'])).deliveries.map((d) => d.state)).toEqual(['ambiguous', 'queued', 'queued']);
    expect(timesSent('@sim reply second')).toBe(0);
    expect(timesSent('@sim reply first')).toBe(1);

    const settled = await h.ok<{ settled: boolean; delivery: Receipt; evidence: string }>(['delivery', 'reconcile', String(first?.receipt)]);
    expect(settled.settled).toBe(true);
    expect(settled.delivery.state).toBe('completed');
    expect(settled.delivery.turn_id).not.toBeNull();

    await pollUntil(
      async () => (await h.ok<{ deliveries: Receipt[] }>(['queue', 'list', '--lane', 'worker', '--all'])).deliveries.map((d) => d.state),
      (states) => states.every((s) => s === 'completed'),
      'every receipt of the lane completing',
      20_000,
    );
    const all = await h.ok<{ deliveries: Receipt[] }>(['queue', 'list', '--all']);
    const byState: Record<string, number> = {};
    for (const d of all.deliveries) byState[d.state] = (byState[d.state] ?? 0) + 1;
    console.log(`receipts after the crash test: ${JSON.stringify(byState)}`);
    expect([timesSent('@sim reply first'), timesSent('@sim reply second'), timesSent('@sim reply third')]).toEqual([1, 1, 1]);
    const replies = await h.ok<{ items: Array<{ type: string; text: string }> }>(['lane', 'tail', 'worker']);
    expect(replies.items.filter((i) => i.type === 'agentMessage').map((i) => i.text)).toEqual(['first', 'second', 'third']);
  }, 90_000);
});
