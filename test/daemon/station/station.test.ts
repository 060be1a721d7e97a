import { afterEach, describe, expect, it } from 'vitest';
import { markInterruptedSubmissions } from '../../../src/core/deliveries.js';
import { mailKey, Receiver } from '../../../src/daemon/station/receive.js';
import { fakeCore } from '../../core/fakeCore.js';
import { FakeNet, testStation, until, type TestStation } from './stationFixture.js';

// The station's loops over the fake fleet: each station has its own store and fake app-server.
describe('fleet station', () => {
  const running: TestStation[] = [];
  const start = async (s: TestStation): Promise<TestStation> => {
    running.push(s);
    await s.station.start();
    return s;
  };
  afterEach(async () => {
    for (const s of running.splice(0)) {
      await s.station.stop();
      s.core.close();
    }
  });
  const startTurns = (s: TestStation) => s.core.fake.calls.filter((c) => c.method === 'startTurn').length;

  it("delivers a's outbox entry on b's lane through b's ledger, and a's outbox shows b's receipt completed", async () => {
    const net = new FakeNet();
    const a = await start(testStation(net, 'a'));
    const b = await start(testStation(net, 'b'));
    const lane = await b.core.ownLane('@worker');
    await until(async () => (await a.access.lanes({ station: 'b' })).some((l) => l.handle === '@worker'), 5_000, 'b published its lane');

    const entry = a.access.send({ lane: 'worker', station: 'b' }, { mode: 'send', text: '@sim reply done there', source: 'op' });
    expect(entry).toMatchObject({ state: 'queued', mailId: null, station: 'b', lane: 'worker' });
    await until(() => a.access.outbox(entry.id)?.state === 'completed', 5_000, 'a sees completed');

    const receipt = b.core.store.deliveries.findByKey(mailKey(a.access.outbox(entry.id)?.mailId ?? -1));
    expect(receipt).toMatchObject({ lane: lane.id, source: 'fleet:a', state: 'completed' });
    expect(a.access.outbox(entry.id)).toMatchObject({ receipt: receipt?.id, turnId: receipt?.turnId, error: null });
    expect(startTurns(b)).toBe(1);
    expect(net.store.mail[0]).toMatchObject({ state: 'done', receiptState: 'completed' });
  });

  it('what someone on another station waits for (a send, its mail, the receipt changes, the reports) does not wait for the coalescing window', async () => {
    // Windows and polls of a minute: only wakes that skip the window can finish this within the deadline.
    const net = new FakeNet();
    const a = await start(testStation(net, 'a', { pollMs: 60_000, coalesceMs: 60_000 }));
    const b = await start(testStation(net, 'b', { pollMs: 60_000, coalesceMs: 60_000 }));
    await b.core.ownLane('@worker');
    const entry = a.access.send({ lane: 'worker', station: 'b' }, { mode: 'send', text: '@sim reply quick', source: 'op' });
    await until(() => a.access.outbox(entry.id)?.state === 'completed', 5_000, 'a sees completed');
  });

  it("stations() counts each station's lanes, busy and needs-you; lanes of a station whose lease lapsed are not reachable", async () => {
    const net = new FakeNet();
    const a = await start(testStation(net, 'a'));
    // A station that died: its lease (50 ms) lapses, its published lanes stay.
    await (await net.directory(50)).join('gone', { host: 'gone.test', version: 'v', mode: 'simulated' });
    await a.core.ownLane('@mine');
    await until(async () => (await net.fleet.listLanes({ station: 'a' })).length === 1, 5_000, 'published');
    const [template] = await net.fleet.listLanes({ station: 'a' });
    if (!template) throw new Error('no lane');
    await net.fleet.publishLanes('gone', [
      { ...template, station: 'gone', laneId: 'g1', handle: '@busy', status: 'busy', attention: 'working' },
      { ...template, station: 'gone', laneId: 'g2', handle: '@asks', status: 'waiting_approval', attention: 'needs-you' },
    ]);
    await until(async () => (await a.access.stations()).find((s) => s.name === 'gone')?.state === 'unreachable', 5_000, 'gone unreachable');
    const stations = await a.access.stations();
    expect(stations.map((s) => [s.name, s.state, s.lanes, s.busy, s.needsYou])).toEqual([
      ['a', 'up', 1, 0, 0],
      ['gone', 'unreachable', 2, 2, 1],
    ]);
    expect((await a.access.lanes()).map((l) => [l.station, l.handle, l.reachable])).toEqual([
      ['a', '@mine', true],
      ['gone', '@asks', false],
      ['gone', '@busy', false],
    ]);
    expect((await a.access.findLane({ lane: 'asks', station: 'gone' })).laneId).toBe('g2');
  });

  it('honours the idempotency key of a remote send: same text → the same entry, other text → conflict', async () => {
    const net = new FakeNet();
    const a = await start(testStation(net, 'a'));
    const first = a.access.send({ lane: 'w', station: 'b' }, { mode: 'queue', text: 'once', idempotencyKey: 'k', source: 'op' });
    const again = a.access.send({ lane: 'w', station: 'b' }, { mode: 'queue', text: 'once', idempotencyKey: 'k', source: 'op' });
    expect([first.duplicate, again.duplicate, again.id]).toEqual([false, true, first.id]);
    expect(() => a.access.send({ lane: 'w', station: 'b' }, { mode: 'queue', text: 'other', idempotencyKey: 'k', source: 'op' })).toThrow(expect.objectContaining({ code: 'conflict' }));
  });

  it('reports mail for an unknown lane failed with the error code, done, and starts nothing', async () => {
    const net = new FakeNet();
    const a = await start(testStation(net, 'a'));
    const b = await start(testStation(net, 'b'));
    const entry = a.access.send({ lane: 'nobody', station: 'b' }, { mode: 'send', text: 'hi', source: 'op' });
    await until(() => a.access.outbox(entry.id)?.state === 'failed', 5_000, 'a sees failed');
    expect(a.access.outbox(entry.id)?.error).toMatch(/^not_found: no lane 'nobody'/);
    expect(net.store.mail[0]?.state).toBe('done');
    expect(startTurns(b)).toBe(0);
  });

  it("answers b's pending approval from a through the same broker call as `request respond`; the directory lists the request while it waits", async () => {
    const net = new FakeNet();
    const a = await start(testStation(net, 'a'));
    const b = await start(testStation(net, 'b'));
    const lane = await b.core.ownLane('@worker');
    const decided = b.approvals.decide({ generation: 1, rpcId: 'r1', laneId: lane.id, method: 'item/commandExecution/requestApproval', kind: 'command', command: 'npm test', signal: new AbortController().signal });
    const [request] = b.core.store.requests.list({ states: ['pending'] });
    if (!request) throw new Error('no pending request');
    await until(async () => (await a.access.lanes({ station: 'b' }))[0]?.pendingRequests.some((r) => r.id === request.id) === true, 5_000, 'the request published');

    const entry = a.access.respond('b', request.id, { decision: 'accept' });
    expect(await decided).toBe('accept');
    await until(() => a.access.outbox(entry.id)?.state === 'completed', 5_000, 'a sees the answer delivered');
    expect(b.core.store.requests.find(request.id)).toMatchObject({ state: 'answered', decision: 'accept' });
    await until(async () => (await a.access.lanes({ station: 'b' }))[0]?.pendingRequests.length === 0, 5_000, 'the answered request gone from the directory');

    // A second answer to it fails at b, with b's error, and a sees that.
    const again = a.access.respond('b', request.id, { decision: 'decline' });
    await until(() => a.access.outbox(again.id)?.state === 'failed', 5_000, 'a sees the refusal');
    expect(a.access.outbox(again.id)?.error).toMatch(/^conflict: request \d+ is already answered/);
  });

  it('an answer taken up again after a crash (answered, not yet reported) is reported completed, not refused', async () => {
    const net = new FakeNet();
    const core = fakeCore();
    const lane = await core.ownLane('@worker');
    const b1 = testStation(net, 'b', { core });
    const decided = b1.approvals.decide({ generation: 1, rpcId: 'r1', laneId: lane.id, method: 'item/commandExecution/requestApproval', kind: 'command', command: 'ls', signal: new AbortController().signal });
    const [request] = core.store.requests.list({ states: ['pending'] });
    if (!request) throw new Error('no pending request');
    const mail = await net.fleet.post({ sender: 'a', senderRef: 1, target: 'b', lane: '', body: { kind: 'respond', request: request.id, decision: 'accept' } });
    // b answers and dies before its report reaches the database.
    const [claimed] = await net.fleet.claim('b', 1);
    expect(claimed?.id).toBe(mail.id);
    const receiver = new Receiver({ ...core.ctx, approvals: b1.approvals }, 'b');
    await receiver.resume(net.fleet);
    expect(await decided).toBe('accept');

    await start(testStation(net, 'b', { core }));
    await until(() => net.store.mail[0]?.state === 'done', 5_000, 'the answer reported');
    expect(net.store.mail[0]).toMatchObject({ receiptState: 'completed', error: null });
  });

  it('mail a lane cannot take (busy for a send, archived) is reported failed with the error code, done; a queue waits behind the turn', async () => {
    const net = new FakeNet();
    const a = await start(testStation(net, 'a'));
    const b = await start(testStation(net, 'b'));
    const busy = await b.core.ownLane('@busy');
    await b.core.ownLane('@old');
    const old = b.core.store.lanes.findByHandle('@old')[0];
    if (!old) throw new Error('no lane');
    b.core.ctx.journal.record({ type: 'laneArchived', laneId: old.id });
    const hanging = a.access.send({ lane: 'busy', station: 'b' }, { mode: 'send', text: '@sim hang', source: 'op' });
    await until(() => a.access.outbox(hanging.id)?.state === 'accepted', 5_000, 'the first turn running');
    expect(b.core.lane(busy.id).status).toBe('busy');

    const refused = a.access.send({ lane: 'busy', station: 'b' }, { mode: 'send', text: 'now', source: 'op' });
    const queued = a.access.send({ lane: 'busy', station: 'b' }, { mode: 'queue', text: 'later', source: 'op' });
    const archived = a.access.send({ lane: 'old', station: 'b' }, { mode: 'send', text: 'hello?', source: 'op' });
    await until(() => a.access.outbox(refused.id)?.state === 'failed' && a.access.outbox(archived.id)?.state === 'failed', 5_000, 'both refused');
    expect(a.access.outbox(refused.id)?.error).toMatch(/^lane_busy: lane @busy is running turn/);
    expect(a.access.outbox(archived.id)?.error).toMatch(/^validation: lane @old is archived/);
    await until(() => a.access.outbox(queued.id)?.state === 'queued' && a.access.outbox(queued.id)?.receipt !== null, 5_000, 'the queued one waiting with its receipt');
    expect(net.store.mail.filter((m) => m.state === 'done').map((m) => m.senderRef).sort()).toEqual([refused.id, archived.id].sort());
  });

  it('a crash between claim and deliver: the restarted station takes the mail up and delivers it once', async () => {
    const net = new FakeNet();
    const core = fakeCore();
    const lane = await core.ownLane('@worker');
    const b1 = await start(testStation(net, 'b', { core, failpoint: 'fleet-after-claim' }));
    const a = await start(testStation(net, 'a'));
    const entry = a.access.send({ lane: 'worker', station: 'b' }, { mode: 'send', text: '@sim reply once', source: 'op' });
    await until(() => net.store.mail[0]?.state === 'claimed', 5_000, 'b claimed');
    // b1 "dies" blocked after the claim: nothing reached its ledger.
    await b1.station.stop();
    running.splice(running.indexOf(b1), 1);
    expect(core.store.deliveries.list({ lane: lane.id })).toEqual([]);

    await start(testStation(net, 'b', { core }));
    await until(() => a.access.outbox(entry.id)?.state === 'completed', 5_000, 'a sees completed');
    expect(core.store.deliveries.list({ lane: lane.id })).toHaveLength(1);
    expect(core.fake.calls.filter((c) => c.method === 'startTurn')).toHaveLength(1);
  });

  it('a crash after the reservation: the restart reports the same receipt ambiguous and sends nothing again', async () => {
    const net = new FakeNet();
    const core = fakeCore();
    await core.ownLane('@worker');
    // The mail was claimed and its receipt reserved before the crash (the app-server call's outcome unknown).
    const mail = await net.fleet.post({ sender: 'a', senderRef: 1, target: 'b', lane: 'worker', body: { kind: 'send', mode: 'send', text: 'maybe' } });
    await net.fleet.claim('b', 10);
    const lane = core.store.lanes.findByHandle('@worker')[0];
    if (!lane) throw new Error('no lane');
    const reserved = core.store.deliveries.insert({ lane: lane.id, mode: 'send', source: 'fleet:a', text: 'maybe', idempotencyKey: mailKey(mail.id), clientMessageId: 'c1', state: 'submitting' });
    markInterruptedSubmissions(core.ctx);

    await start(testStation(net, 'b', { core }));
    await until(() => net.store.mail[0]?.receiptState === 'ambiguous', 5_000, 'b reported ambiguous');
    expect(net.store.mail[0]).toMatchObject({ receipt: reserved.id, state: 'claimed' });
    expect(core.fake.calls.filter((c) => c.method === 'startTurn')).toHaveLength(0);
  });

  it('starts while the database is unreachable, works locally, then joins and catches up (lanes, facts, outbox)', async () => {
    const net = new FakeNet();
    net.down = true;
    const a = await start(testStation(net, 'a'));
    expect(a.station.status()).toMatchObject({ state: 'connecting', connected: false });
    expect(a.station.status().lastError).toMatch(/ECONNREFUSED/);
    const lane = await a.core.ownLane('@local');
    const entry = a.access.send({ lane: 'w', station: 'b' }, { mode: 'queue', text: 'later', source: 'op' });
    await expect(a.access.stations()).rejects.toMatchObject({ code: 'fleet_unavailable' });

    // Backoff: a few attempts while down, not a busy loop (cap 400 ms in this fixture).
    const opensBefore = net.opens;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(net.opens - opensBefore).toBeLessThanOrEqual(6);
    expect(net.opens - opensBefore).toBeGreaterThanOrEqual(1);

    net.down = false;
    await until(() => a.station.status().state === 'joined' && a.station.status().connected, 5_000, 'a joined');
    // The outage is over: status no longer shows its error.
    expect(a.station.status().lastError).toBeNull();
    await until(() => a.access.outbox(entry.id)?.mailId !== null, 5_000, 'outbox posted');
    expect((await a.access.lanes()).map((l) => l.laneId)).toEqual([lane.id]);
    const latest = a.core.store.facts.bounds().latest;
    await until(async () => (await net.fleet.latestFact('a')) === latest, 5_000, 'facts published');
  });

  it('after the database was away, a full resync replaces the directory and publishes the facts made meanwhile', async () => {
    const net = new FakeNet();
    const a = await start(testStation(net, 'a'));
    const first = await a.core.ownLane('@first');
    await until(async () => (await net.fleet.listLanes()).length === 1, 5_000, 'first published');
    net.down = true;
    await until(() => !a.station.status().connected, 5_000, 'a notices');
    const second = await a.core.ownLane('@second');
    // A lane the directory has that this station no longer knows is dropped by the full resync.
    const [published] = [...net.store.lanes.values()];
    if (!published) throw new Error('nothing published');
    net.store.lanes.set('a\u0000ghost', { ...published, laneId: 'ghost', handle: '@ghost' });
    net.down = false;
    await until(async () => (await net.fleet.listLanes()).map((l) => l.laneId).sort().join() === [first.id, second.id].sort().join(), 5_000, 'resynced lanes');
    await until(async () => (await net.fleet.latestFact('a')) === a.core.store.facts.bounds().latest, 5_000, 'facts caught up');
  });

  it('a name held by a live station refuses the start with conflict', async () => {
    const net = new FakeNet();
    await start(testStation(net, 'same'));
    const second = testStation(net, 'same');
    await expect(second.station.start()).rejects.toMatchObject({ code: 'conflict' });
    await expect(second.station.start()).rejects.toThrow(/held by a running station on host same\.test/);
    second.core.close();
  });

  it("a restart after a crash takes its own live lease over at once; another home's lease it does not", async () => {
    const net = new FakeNet();
    const core = fakeCore();
    // The crashed daemon's lease is still live, and this home recorded it.
    const crashed = await (await net.directory()).join('b', { host: 'b.test', version: 'old', mode: 'simulated' });
    core.store.outbox.recordLease('b', crashed.instanceId);
    const restarted = await start(testStation(net, 'b', { core }));
    expect(restarted.station.status().state).toBe('joined');
    expect(restarted.logs.some((l) => l.message === 'fleet.lease_reclaimed')).toBe(true);
    expect(core.store.outbox.lastLease('b')).not.toBe(crashed.instanceId);

    const elsewhere = fakeCore();
    elsewhere.store.outbox.recordLease('b', crashed.instanceId);
    const other = testStation(net, 'b', { core: elsewhere });
    await expect(other.station.start()).rejects.toMatchObject({ code: 'conflict' });
    elsewhere.close();
  });

  it('a lane change while the first join is in flight does not start a second join (which would find the name taken)', async () => {
    const net = new FakeNet();
    net.joinDelayMs = 100;
    const a = testStation(net, 'a');
    running.push(a);
    const starting = a.station.start();
    // Facts committed during the join wake the sync loop, which must share the join under way.
    await a.core.ownLane('@early');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await a.core.ownLane('@early2');
    await starting;
    await until(async () => (await net.fleet.listLanes({ station: 'a' })).length === 2 && a.station.status().connected, 5_000, 'lanes published');
    expect(a.station.status().state).toBe('joined');
    expect(net.opens).toBe(1);
    expect(net.joins).toBe(1);
    expect(a.logs.map((l) => l.message)).not.toContain('fleet.lease_reclaimed');
  });

  it('on losing its lease to another holder it stops all fleet activity and does not fight for the name', async () => {
    const net = new FakeNet();
    // The lease (200 ms) lapses between heartbeats (every 600 ms): another station takes the name.
    const a = await start(testStation(net, 'x', { leaseMs: 200, heartbeatMs: 600 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const taker = await start(testStation(net, 'x', { leaseMs: 5_000 }));
    await until(() => a.station.status().state === 'lease_lost', 5_000, 'a lost its lease');
    expect(a.station.status().lastError).toMatch(/lost its lease/);
    expect(a.logs.some((l) => l.message === 'fleet.lease_lost')).toBe(true);
    expect(a.station.ports()).toBeNull();
    await a.core.ownLane('@after');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Only the taker talks to the database now; a's lane is not published under the taken name.
    expect((await net.fleet.listLanes({ station: 'x' })).map((l) => l.handle)).not.toContain('@after');
    expect(taker.station.status().state).toBe('joined');
    await expect(a.access.lanes()).rejects.toMatchObject({ code: 'fleet_unavailable' });
  });

  it('never puts the url password into its log or status', async () => {
    const net = new FakeNet();
    net.down = true;
    const a = await start(testStation(net, 'a', { url: 'postgres://dispatch:pw-XYZZY@127.0.0.1:1/fleet' }));
    await until(() => a.logs.some((l) => l.message === 'fleet.unreachable'), 5_000, 'logged');
    expect(JSON.stringify(a.logs)).not.toContain('pw-XYZZY');
    expect(JSON.stringify(a.station.status())).not.toContain('pw-XYZZY');
    expect(a.station.status().url).toBe('postgres://dispatch:***@127.0.0.1:1/fleet');
  });
});
