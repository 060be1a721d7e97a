import { describe, expect, it, onTestFinished } from 'vitest';
import { pollUntil, readRequestLog, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Receipt = { receipt: number; lane: string; state: string; held: string | null; text: string };
type Fact = { seq: number; type: string; lane: string; [field: string]: unknown };

async function facts(h: DispatchHarness): Promise<Fact[]> {
  const all: Fact[] = [];
  let since = 0;
  for (;;) {
    const page = await h.ok<{ events: Fact[]; next_since: number }>(['events', '--since', String(since), '--limit', '1000']);
    all.push(...page.events);
    if (page.events.length === 0) return all;
    since = page.next_since;
  }
}

/** The most turns that ran at once, from the fact log's turn starts and ends in sequence order. */
function peakConcurrency(log: readonly Fact[]): number {
  let running = 0;
  let peak = 0;
  for (const fact of log) {
    if (fact.type === 'turnStarted') peak = Math.max(peak, ++running);
    if (fact.type === 'turnCompleted') running--;
  }
  return peak;
}

async function lanes(h: DispatchHarness, names: string[]): Promise<void> {
  for (const name of names) await h.ok(['new', '--name', name, '--prefix', '', '--no-send']);
}

// Capacity admission end to end: the built CLI, a real daemon and codex app-server, the simulated provider.
describe('capacity admission', () => {
  it('with max_busy_lanes = 2, five sends start two turns, then the rest oldest first as slots free, each exactly once', { timeout: 120_000 }, async () => {
    const h = await startDispatchHarness({ configToml: () => '[capacity]\nmax_busy_lanes = 2\n' });
    onTestFinished(() => h.close());
    const names = ['w1', 'w2', 'w3', 'w4', 'w5'];
    await lanes(h, names);
    // Each turn streams its reply in 10 deltas 800 ms apart (~7 s), long enough to see the others held even on a loaded machine.
    const text = (name: string): string => `@sim slow 10x800\n@sim reply job ${name} is done and all good`;
    const sent: Receipt[] = [];
    // Plain sends: over capacity they become queued receipts that say why (exit 0, nothing lost).
    for (const name of names) sent.push(await h.ok<Receipt>(['send', name, text(name)]));
    expect(sent.map((r) => r.state)).toEqual(['accepted', 'accepted', 'queued', 'queued', 'queued']);
    expect((sent[2] as Receipt & { detail: string }).detail).toContain('held: 2 of 2 busy lanes');

    const queued = await h.ok<{ deliveries: Receipt[] }>(['queue', 'list']);
    expect(queued.deliveries.filter((d) => d.state === 'queued').map((d) => [d.receipt, d.held])).toEqual(sent.slice(2).map((r) => [r.receipt, 'held: 2 of 2 busy lanes']));
    expect(await h.ok(['lane', 'get', 'w3'])).toMatchObject({ held: { receipt: sent[2]?.receipt, reason: 'held: 2 of 2 busy lanes' } });
    const status = await h.ok<{ capacity: Record<string, unknown> }>(['daemon', 'status']);
    expect(status.capacity).toEqual({ max_busy_lanes: 2, hold_above_percent: null, busy_lanes: 2, held: 3 });
    const attention = await h.ok<{ items: Array<{ attention: string; handle: string; commands: string[] }> }>(['attention', '--json']);
    expect(attention.items.filter((i) => i.attention === 'held').map((i) => i.handle)).toEqual(['@w3', '@w4', '@w5']);
    expect(attention.items.find((i) => i.handle === '@w3')?.commands).toContain(`dispatch queue release ${sent[2]?.receipt}`);

    for (const name of names) await waitForLane(h, name, (l) => l['status'] === 'idle' && (l['latest_turn'] as { status?: string } | null)?.status === 'completed', 60_000);
    const receipts = await Promise.all(sent.map((r) => h.ok<Receipt>(['delivery', 'get', String(r.receipt)])));
    expect(receipts.map((r) => [r.state, r.held])).toEqual(names.map(() => ['completed', null]));
    // Each message reached the model exactly once (its first request; a slow reply is one request).
    const requests = readRequestLog(h.home);
    for (const name of names) expect(requests.filter((r) => r.lastUserText === text(name) && r.toolOutputs === 0)).toHaveLength(1);
    const log = await facts(h);
    expect(peakConcurrency(log)).toBe(2);
    // The held ones started in receipt order, each after a turn ended.
    const laneOf = new Map(receipts.map((r) => [r.lane, r.receipt]));
    const startOrder = log.filter((f) => f.type === 'turnStarted').map((f) => laneOf.get(f.lane));
    expect(startOrder.slice(2)).toEqual(sent.slice(2).map((r) => r.receipt));
    // The fact log says why they waited.
    const heldFacts = log.filter((f) => f.type === 'deliveryChanged' && f['held'] !== undefined).map((f) => [f['receipt'], f['state'], f['held']]);
    expect(heldFacts).toEqual(sent.slice(2).map((r) => [r.receipt, 'queued', 'held: 2 of 2 busy lanes']));
  });

  it('with a window at 95% and hold_above_percent = 90, new turns are held until it resets; queue release pushes one through', { timeout: 120_000 }, async () => {
    const h = await startDispatchHarness({ configToml: () => '[capacity]\nhold_above_percent = 90\n' });
    onTestFinished(() => h.close());
    await lanes(h, ['spender', 'later', 'urgent']);
    // The provider reports the primary window at 95%, resetting in 20 s, on this answer and every one after it.
    await h.ok(['send', 'spender', '@sim ratelimit primary=95 resets=20s\n@sim reply spent']);
    await waitForLane(h, 'spender', (l) => l['status'] === 'idle' && l['latest_turn'] !== null);
    const status = await pollUntil(
      () => h.ok<{ rate_limits: Array<Record<string, unknown>> }>(['daemon', 'status']),
      (s) => s.rate_limits.some((w) => w['window'] === 'primary' && w['used_percent'] === 95),
      "codex reporting the provider's rate limits",
    );
    const primary = status.rate_limits.find((w) => w['window'] === 'primary');
    expect(primary).toMatchObject({ window: 'primary', used_percent: 95, window_minutes: 300 });
    // `usage` shows the same windows beside the token counts.
    expect((await h.ok<{ rate_limits: unknown[] }>(['usage'])).rate_limits).toEqual(status.rate_limits);
    const resetsAt = String(primary?.['resets_at']);
    const clock = new Date(resetsAt).toISOString().slice(11, 16);

    const later = await h.ok<Receipt>(['send', 'later', '@sim reply after the reset']);
    const reason = `held: primary window 95% used, resets ${clock} UTC`;
    expect(later).toMatchObject({ state: 'queued' });
    expect(await h.ok<Receipt>(['delivery', 'get', String(later.receipt)])).toMatchObject({ state: 'queued', held: reason });
    expect(await h.ok(['lane', 'get', 'later'])).toMatchObject({ held: { receipt: later.receipt, reason } });
    const urgent = await h.ok<Receipt>(['send', 'urgent', '@sim reply cannot wait', '--queue']);
    expect(await h.ok<Receipt>(['delivery', 'get', String(urgent.receipt)])).toMatchObject({ state: 'queued', held: reason });

    // A person pushes one through past the limit; the other stays held.
    const released = await h.ok<Receipt>(['queue', 'release', String(urgent.receipt)]);
    expect(released.state).toBe('accepted');
    await waitForLane(h, 'urgent', (l) => l['status'] === 'idle' && l['latest_turn'] !== null);
    expect(await h.ok<Receipt>(['delivery', 'get', String(urgent.receipt)])).toMatchObject({ state: 'completed', held: null });
    const stillHeld = await h.ok<Receipt>(['delivery', 'get', String(later.receipt)]);
    expect(Date.now()).toBeLessThan(Date.parse(resetsAt));
    expect(stillHeld).toMatchObject({ state: 'queued', held: reason });
    // Releasing what capacity does not hold is refused with why.
    const refused = await h.run(['queue', 'release', String(urgent.receipt)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('not held by capacity');

    // The window resets: the held message starts by itself, once.
    await pollUntil(() => h.ok<Receipt>(['delivery', 'get', String(later.receipt)]), (r) => r.state === 'completed', 'the held message starting after the reset', 45_000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(resetsAt));
    expect(readRequestLog(h.home).filter((r) => r.lastUserText === '@sim reply after the reset')).toHaveLength(1);
    expect(readRequestLog(h.home).filter((r) => r.lastUserText === '@sim reply cannot wait')).toHaveLength(1);
  });
});
