import { afterEach, describe, expect, it } from 'vitest';
import { queueRemoteSend } from '../../../src/core/fleetOutbox.js';
import { OutboxCourier } from '../../../src/daemon/station/outbox.js';
import { fakeCore, type FakeCore } from '../../core/fakeCore.js';
import { FakeFleet, FakeFleetStore } from '../../helpers/fakeFleet.js';

// The shared mail table does not grow without end: a sender deletes its done mail once mirrored.
describe('the outbox courier prunes its done mail', () => {
  let core: FakeCore | undefined;
  afterEach(() => core?.close());

  it('deletes mail only after its outcome is in the outbox, at most once per interval', async () => {
    core = fakeCore();
    const net = new FakeFleetStore();
    const fleet = new FakeFleet(net);
    const courier = new OutboxCourier(core.store, 'a', { keepMs: 0, everyMs: 60_000 });
    const entry = queueRemoteSend(core.store.outbox, { lane: 'worker', station: 'b' }, { kind: 'send', mode: 'queue', text: 'hi' }, { source: 'op' });
    await courier.post(fleet);
    const [mail] = await fleet.claim('b', 1);
    if (!mail) throw new Error('nothing claimed');
    await fleet.report(mail.id, 'b', { receipt: 7, receiptState: 'completed', turnId: 't1', done: true });
    await new Promise((resolve) => setTimeout(resolve, 2));
    // Reported but not yet mirrored: the outbox does not have the outcome, so the mail stays.
    expect(await courier.prune(fleet, 1_000)).toBe(0);
    expect(net.mail).toHaveLength(1);
    await courier.mirror(fleet);
    expect(await courier.prune(fleet, 2_000)).toBe(1);
    expect(net.mail).toEqual([]);
    // A second one, done and mirrored within the interval of that look: it waits for the next.
    queueRemoteSend(core.store.outbox, { lane: 'worker', station: 'b' }, { kind: 'send', mode: 'queue', text: 'again' }, { source: 'op' });
    await courier.post(fleet);
    const [second] = await fleet.claim('b', 1);
    if (!second) throw new Error('nothing claimed');
    await fleet.report(second.id, 'b', { receipt: 8, receiptState: 'completed', done: true });
    await courier.mirror(fleet);
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect(await courier.prune(fleet, 3_000)).toBe(0);
    expect(await courier.prune(fleet, 70_000)).toBe(1);
    expect(core.store.outbox.find(entry.id)).toMatchObject({ state: 'completed', receipt: 7, turnId: 't1' });
  });
});
