import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliver, drainNext, markInterruptedSubmissions, reconcile } from '../../src/core/deliveries.js';
import type { Delivery } from '../../src/core/model.js';
import { reattachLanes } from '../../src/core/recovery.js';
import { DispatchError } from '../../src/shared/errors.js';
import { fakeCore, turnCompletedOn, type FakeCore } from './fakeCore.js';

// The delivery ledger over the fake app-server (which passes the real adapter's port suite).
describe('delivery ledger', () => {
  let core: FakeCore;
  beforeEach(() => {
    core = fakeCore();
  });
  afterEach(() => core.close());

  const startedTexts = () => core.fake.calls.filter((c) => c.method === 'startTurn').map((c) => (c.args[1] as { text: string }).text);

  /** A lane running a turn that only ends when the test says so (or it is interrupted). */
  async function busyLane() {
    const lane = await core.ownLane();
    const started = core.nextEvent((e) => e.type === 'turnStarted' && e.laneId === lane.id);
    const { delivery } = await deliver(core.ctx, { lane, mode: 'send', text: '@sim hang', source: 'op' });
    await started;
    return { lane: core.lane(lane.id), first: delivery };
  }

  it('sends to an idle lane: the receipt is accepted with the turn id, and completes with the turn', async () => {
    const lane = await core.ownLane();
    const done = core.nextEvent(turnCompletedOn(lane.id));
    const { delivery, duplicate } = await deliver(core.ctx, { lane, mode: 'send', text: '@sim reply hi', source: 'op' });
    expect(duplicate).toBe(false);
    expect(delivery).toMatchObject({ state: 'accepted', mode: 'send', lane: lane.id });
    expect(core.lane(lane.id)).toMatchObject({ status: 'busy', activeTurnId: delivery.turnId });
    const call = core.fake.calls.find((c) => c.method === 'startTurn');
    expect(call?.args[1]).toMatchObject({ text: '@sim reply hi', clientUserMessageId: delivery.clientMessageId });
    await done;
    expect(core.store.deliveries.find(delivery.id)?.state).toBe('completed');
    expect(core.lane(lane.id)).toMatchObject({ status: 'idle', lastAgentMessage: 'hi' });
  });

  it('answers a repeated idempotency key with the first receipt and sends nothing again; a different message under the key is a conflict', async () => {
    const lane = await core.ownLane();
    const first = await deliver(core.ctx, { lane, mode: 'send', text: 'once', source: 'op', idempotencyKey: 'k1' });
    const again = await deliver(core.ctx, { lane: core.lane(lane.id), mode: 'send', text: 'once', source: 'op', idempotencyKey: 'k1' });
    expect(again).toMatchObject({ duplicate: true, delivery: { id: first.delivery.id } });
    expect(startedTexts()).toEqual(['once']);
    await expect(deliver(core.ctx, { lane, mode: 'send', text: 'other', source: 'op', idempotencyKey: 'k1' })).rejects.toMatchObject({
      code: 'conflict',
      data: { receipt: first.delivery.id },
    });
  });

  it('queues behind a running turn and sends one queued message per idle transition, oldest first', async () => {
    const { lane } = await busyLane();
    const queued: Delivery[] = [];
    for (const text of ['@sim reply one', '@sim reply two', '@sim reply three']) queued.push((await deliver(core.ctx, { lane, mode: 'queue', text, source: 'op' })).delivery);
    expect(queued.map((d) => d.state)).toEqual(['queued', 'queued', 'queued']);
    expect(startedTexts()).toEqual(['@sim hang']);
    // Each turn end lets exactly the next one go; the fake's scripted turns end on their own.
    const allDone = core.until(() => queued.every((d) => core.store.deliveries.find(d.id)?.state === 'completed'));
    core.fake.finishTurn(lane.id);
    await allDone;
    expect(startedTexts()).toEqual(['@sim hang', '@sim reply one', '@sim reply two', '@sim reply three']);
    expect(core.lane(lane.id)).toMatchObject({ status: 'idle', lastAgentMessage: 'three' });
  });

  it('refuses a send to a busy lane (lane_busy) without writing a receipt', async () => {
    const { lane } = await busyLane();
    const before = core.store.deliveries.list({ lane: lane.id }).length;
    await expect(deliver(core.ctx, { lane, mode: 'send', text: 'no', source: 'op' })).rejects.toMatchObject({ code: 'lane_busy' });
    expect(core.store.deliveries.list({ lane: lane.id })).toHaveLength(before);
  });

  it('records a definite codex refusal as failed, and a lost connection as ambiguous that holds the queue', async () => {
    const lane = await core.ownLane();
    core.fake.failNext('startTurn', new DispatchError('app_server', 'turn/start: refused'));
    await expect(deliver(core.ctx, { lane, mode: 'send', text: 'refused', source: 'op' })).rejects.toMatchObject({ code: 'app_server' });
    expect(core.store.deliveries.list({ lane: lane.id })[0]).toMatchObject({ state: 'failed', error: 'app_server: turn/start: refused' });

    core.fake.failNext('startTurn', new DispatchError('transport_closed', 'codex app-server exited'));
    await expect(deliver(core.ctx, { lane, mode: 'send', text: 'lost', source: 'op' })).rejects.toMatchObject({ code: 'transport_closed' });
    const lost = core.store.deliveries.list({ lane: lane.id, states: ['ambiguous'] });
    expect(lost.map((d) => d.text)).toEqual(['lost']);
    // Held: neither a queued message nor a new send goes out while the receipt is unsettled.
    const waiting = (await deliver(core.ctx, { lane, mode: 'queue', text: 'after', source: 'op' })).delivery;
    expect(await drainNext(core.ctx, lane.id)).toBe(false);
    expect(core.store.deliveries.find(waiting.id)?.state).toBe('queued');
    await expect(deliver(core.ctx, { lane, mode: 'send', text: 'again', source: 'op' })).rejects.toMatchObject({ code: 'conflict', data: { receipt: lost[0]?.id } });
    expect(startedTexts()).toEqual(['refused', 'lost']);
  });

  it('keeps a queued message queued while codex is not there and sends it when codex is back; a plain send fails fast with why', async () => {
    const lane = await core.ownLane();
    core.fake.goDown('restarting');
    const { delivery: waiting } = await deliver(core.ctx, { lane, mode: 'queue', text: '@sim reply waited', source: 'op' });
    expect(waiting.state).toBe('queued');
    expect(await drainNext(core.ctx, lane.id)).toBe(false);
    await expect(deliver(core.ctx, { lane, mode: 'send', text: 'now', source: 'op' })).rejects.toMatchObject({ code: 'app_server', data: { failure: 'unavailable', state: 'restarting' } });
    expect(core.store.deliveries.find(waiting.id)?.state).toBe('queued');

    await core.fake.restart();
    const done = core.nextEvent(turnCompletedOn(lane.id));
    await reattachLanes(core.ctx, { generation: 2, restarted: true });
    await done;
    expect(core.store.deliveries.find(waiting.id)?.state).toBe('completed');
    expect(startedTexts()).toEqual(['@sim reply waited']);
  });

  it('puts a queued message back in its queue when codex went away between the check and the call (nothing was sent)', async () => {
    const lane = await core.ownLane();
    core.fake.failNext('startTurn', new DispatchError('app_server', 'codex app-server is restarting', { data: { failure: 'unavailable', state: 'restarting' } }));
    const { delivery } = await deliver(core.ctx, { lane, mode: 'queue', text: '@sim reply second try', source: 'op' });
    expect(core.store.deliveries.find(delivery.id)).toMatchObject({ state: 'queued', error: null });
    const done = core.nextEvent(turnCompletedOn(lane.id));
    expect(await drainNext(core.ctx, lane.id)).toBe(true);
    await done;
    expect(core.store.deliveries.find(delivery.id)?.state).toBe('completed');
  });

  it('reconciles an ambiguous receipt only on evidence: no client id in history leaves it; release re-queues and sends it', async () => {
    const lane = await core.ownLane();
    core.fake.failNext('startTurn', new DispatchError('timeout', 'turn/start timed out'));
    await expect(deliver(core.ctx, { lane, mode: 'send', text: '@sim reply late', source: 'op' })).rejects.toMatchObject({ code: 'timeout' });
    const [ambiguous] = core.store.deliveries.list({ lane: lane.id, states: ['ambiguous'] });
    if (!ambiguous) throw new Error('expected an ambiguous receipt');
    expect(await reconcile(core.ctx, ambiguous, 'check')).toMatchObject({ settled: false });
    expect(core.store.deliveries.find(ambiguous.id)?.state).toBe('ambiguous');
    await expect(reconcile(core.ctx, core.store.deliveries.find(ambiguous.id) ?? ambiguous, 'release')).resolves.toMatchObject({ settled: true });
    expect(core.store.deliveries.find(ambiguous.id)?.state).toBe('queued');
    const done = core.nextEvent(turnCompletedOn(lane.id));
    expect(await drainNext(core.ctx, lane.id)).toBe(true);
    await done;
    expect(core.store.deliveries.find(ambiguous.id)?.state).toBe('completed');
    await expect(reconcile(core.ctx, core.store.deliveries.find(ambiguous.id) ?? ambiguous, 'release')).rejects.toMatchObject({ code: 'validation' });
  });

  it('settles a receipt a crash left submitting from the turn that carries its client id and text', async () => {
    const lane = await core.ownLane();
    const reached = core.store.deliveries.insert({ lane: lane.id, mode: 'send', source: 'op', text: '@sim reply arrived', clientMessageId: 'cid-arrived', state: 'submitting' });
    const impostor = core.store.deliveries.insert({ lane: lane.id, mode: 'send', source: 'op', text: 'mine', clientMessageId: 'cid-other', state: 'submitting' });
    // The turn/start left before the crash: codex ran it, dispatch never heard the answer.
    const done = core.nextEvent(turnCompletedOn(lane.id));
    const { turnId } = await core.fake.startTurn(lane.id, { text: '@sim reply arrived', clientUserMessageId: 'cid-arrived' });
    await done;
    const other = core.nextEvent(turnCompletedOn(lane.id));
    await core.fake.startTurn(lane.id, { text: 'not mine', clientUserMessageId: 'cid-other' });
    await other;
    expect(markInterruptedSubmissions(core.ctx).map((d) => d.id)).toEqual([reached.id, impostor.id]);
    expect(await reconcile(core.ctx, core.store.deliveries.find(reached.id) ?? reached, 'check')).toMatchObject({ settled: true });
    expect(core.store.deliveries.find(reached.id)).toMatchObject({ state: 'completed', turnId });
    expect(await reconcile(core.ctx, core.store.deliveries.find(impostor.id) ?? impostor, 'check')).toMatchObject({ settled: false });
    expect(core.store.deliveries.find(impostor.id)?.state).toBe('ambiguous');
  });

  it('cancels queued or ambiguous receipts only', async () => {
    const { lane, first } = await busyLane();
    const queued = (await deliver(core.ctx, { lane, mode: 'queue', text: 'drop me', source: 'op' })).delivery;
    await expect(reconcile(core.ctx, queued, 'cancel')).resolves.toMatchObject({ settled: true });
    expect(core.store.deliveries.find(queued.id)?.state).toBe('cancelled');
    await expect(reconcile(core.ctx, core.store.deliveries.find(first.id) ?? first, 'cancel')).rejects.toMatchObject({ code: 'validation' });
    // A cancelled message never goes out when the lane goes idle.
    const done = core.nextEvent(turnCompletedOn(lane.id));
    core.fake.finishTurn(lane.id);
    await done;
    expect(await drainNext(core.ctx, lane.id)).toBe(false);
    expect(startedTexts()).toEqual(['@sim hang']);
  });

  it('steers the running turn with its id: the receipt joins that turn and completes with it', async () => {
    const { lane, first } = await busyLane();
    const done = core.nextEvent(turnCompletedOn(lane.id));
    const { delivery } = await deliver(core.ctx, { lane, mode: 'steer', text: 'steered', source: 'op' });
    expect(delivery).toMatchObject({ state: 'accepted', turnId: first.turnId });
    expect(core.fake.calls.find((c) => c.method === 'steerTurn')?.args[1]).toMatchObject({ expectedTurnId: first.turnId, clientUserMessageId: delivery.clientMessageId });
    expect(await done).toMatchObject({ outcome: 'completed', lastAgentMessage: 'Echo: steered' });
    expect(core.store.deliveries.find(delivery.id)?.state).toBe('completed');
    await expect(deliver(core.ctx, { lane: core.lane(lane.id), mode: 'steer', text: 'idle now', source: 'op' })).rejects.toMatchObject({ code: 'validation' });
  });

  it('interjects: interrupts the running turn, waits for its end, then starts the new message', async () => {
    const { lane, first } = await busyLane();
    const { delivery } = await deliver(core.ctx, { lane, mode: 'interject', text: '@sim reply instead', source: 'op' });
    expect(core.fake.calls.filter((c) => c.method === 'interruptTurn').map((c) => c.args[1])).toEqual([first.turnId]);
    expect(core.store.deliveries.find(first.id)).toMatchObject({ state: 'interrupted', error: 'turn interrupted' });
    expect(delivery.state).toBe('accepted');
    expect(delivery.turnId).not.toBe(first.turnId);
    await core.until(() => core.store.deliveries.find(delivery.id)?.state === 'completed');
  });

  it('injects context without a turn: the receipt is completed at once', async () => {
    const lane = await core.ownLane();
    const { delivery } = await deliver(core.ctx, { lane, mode: 'context', text: 'fyi', source: 'op' });
    expect(delivery).toMatchObject({ state: 'completed', turnId: null });
    expect(core.fake.calls.filter((c) => c.method === 'injectContext').map((c) => c.args)).toEqual([[lane.id, 'fyi']]);
  });
});
