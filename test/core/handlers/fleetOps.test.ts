import { afterEach, describe, expect, it } from 'vitest';
import type { OpContext } from '../../../src/core/context.js';
import type { StoredFact } from '../../../src/core/facts.js';
import { executeOp } from '../../../src/daemon/executor.js';
import { DispatchError, ERROR_TABLE } from '../../../src/shared/errors.js';
import { contextWithAlpha } from '../../contracts/opContext.js';
import { FakeFleetAccess } from '../../helpers/fakeFleetAccess.js';

/** @alpha on station `home`, in a fleet with station build-1 publishing @worker (and @old, archived). */
async function fleetContext(): Promise<{ ctx: OpContext; fleet: FakeFleetAccess }> {
  const ctx = await contextWithAlpha();
  const fleet = new FakeFleetAccess('home');
  fleet.addStation('home');
  fleet.addStation('build-1');
  fleet.addLane('home', '@alpha', { laneId: 'published-copy-of-alpha' });
  fleet.addLane('build-1', '@worker', { lastAgentMessage: 'all green', pendingRequests: [{ id: 7, kind: 'command', summary: 'npm test', createdAt: '2026-11-25T11:59:00Z' }], attention: 'needs-you', status: 'waiting_approval' });
  fleet.addLane('build-1', '@old', { status: 'archived' });
  ctx.fleet = fleet;
  return { ctx, fleet };
}

let opened: OpContext[] = [];
afterEach(() => {
  for (const ctx of opened) ctx.store.close();
  opened = [];
});

async function setup(): Promise<{ ctx: OpContext; fleet: FakeFleetAccess }> {
  const made = await fleetContext();
  opened.push(made.ctx);
  return made;
}

async function failure(promise: Promise<unknown>): Promise<DispatchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DispatchError)) throw new Error(`expected a DispatchError, got ${String(error)}`);
  return error;
}

const fact = (seq: number, laneId: string, body: Record<string, unknown>): StoredFact & { station: string } => ({ seq, at: '2026-11-25T11:00:00Z', station: 'build-1', laneId, ...body }) as unknown as StoredFact & { station: string };

describe('send to NAME@STATION', () => {
  for (const mode of ['send', 'queue', 'steer', 'interject', 'context'] as const) {
    it(`${mode}: writes the outbox only and answers receipt m<N>, queued, with station and lane`, async () => {
      const { ctx, fleet } = await setup();
      fleet.unavailable = true; // no database round trip: it works while the database is away
      const out = (await executeOp('send', { lane: 'worker@build-1', text: 'build it', mode, idempotency_key: 'k1' }, ctx)) as Record<string, unknown>;
      expect(out).toMatchObject({ receipt: 'm1', state: 'queued', station: 'build-1', lane: 'worker@build-1', op: mode, accepted: true });
      expect(fleet.entries).toEqual([expect.objectContaining({ station: 'build-1', lane: 'worker', body: { kind: 'send', mode, text: 'build it' }, idempotencyKey: 'k1', source: 'op' })]);
      expect(ctx.store.deliveries.list({})).toEqual([]);
    });
  }

  it('the same idempotency key and message again: the same receipt, duplicate true, nothing queued twice', async () => {
    const { ctx, fleet } = await setup();
    const first = (await executeOp('send', { lane: 'worker@build-1', text: 'once', idempotency_key: 'k' }, ctx)) as Record<string, unknown>;
    const again = (await executeOp('send', { lane: 'worker@build-1', text: 'once', idempotency_key: 'k' }, ctx)) as Record<string, unknown>;
    expect([first['duplicate'], again['duplicate'], again['receipt']]).toEqual([false, true, first['receipt']]);
    expect(fleet.entries).toHaveLength(1);
  });

  it('NAME@<this station> is a local lane', async () => {
    const { ctx, fleet } = await setup();
    const out = (await executeOp('send', { lane: 'alpha@home', text: 'hi', mode: 'queue' }, ctx)) as Record<string, unknown>;
    expect(typeof out['receipt']).toBe('number');
    expect(fleet.entries).toEqual([]);
  });

  it('a station in no fleet refuses another station\'s lane with how to join one', async () => {
    const ctx = await contextWithAlpha();
    opened.push(ctx);
    const error = await failure(executeOp('send', { lane: 'worker@build-1', text: 'hi' }, ctx));
    expect(error.code).toBe('validation');
    expect(error.message).toMatch(/no fleet.*\[fleet\] url and station/);
  });
});

describe('delivery get m<N>', () => {
  it('shows the outbox entry: remote receipt, state, turn, error', async () => {
    const { ctx, fleet } = await setup();
    await executeOp('send', { lane: '@worker@build-1', text: 'go' }, ctx);
    Object.assign(fleet.entries[0] ?? {}, { mailId: 41, receipt: 12, state: 'completed', turnId: 'turn-9' });
    expect(await executeOp('delivery.get', { receipt: 'm1' }, ctx)).toMatchObject({ receipt: 'm1', station: 'build-1', lane: '@worker', kind: 'send', mode: 'send', mail: 41, remote_receipt: 12, state: 'completed', turn_id: 'turn-9', error: null, text: 'go' });
  });

  it('an unknown m<N> is not_found; digits still name a local receipt', async () => {
    const { ctx } = await setup();
    expect((await failure(executeOp('delivery.get', { receipt: 'm5' }, ctx))).code).toBe('not_found');
    const sent = (await executeOp('send', { lane: '@alpha', text: 'x', mode: 'queue' }, ctx)) as { receipt: number };
    expect(await executeOp('delivery.get', { receipt: String(sent.receipt) }, ctx)).toMatchObject({ receipt: sent.receipt, mode: 'queue' });
    expect((await failure(executeOp('delivery.get', { receipt: 'x5' }, ctx))).code).toBe('validation');
  });
});

describe('lane get / tail NAME@STATION', () => {
  it('get: the directory entry, reachable, and its pending requests', async () => {
    const { ctx } = await setup();
    expect(await executeOp('lane.get', { lane: 'worker@build-1' }, ctx)).toMatchObject({
      id: 'worker-id-0001',
      handle: '@worker@build-1',
      station: 'build-1',
      reachable: true,
      attention: 'needs-you',
      last_agent_message: 'all green',
      pending_requests: [{ id: 7, station: 'build-1', kind: 'command', summary: 'npm test', state: 'pending' }],
    });
    expect((await failure(executeOp('lane.get', { lane: 'nope@build-1' }, ctx))).code).toBe('not_found');
  });

  it('reads while the database is away fail with fleet_unavailable (exit 18)', async () => {
    const { ctx, fleet } = await setup();
    fleet.unavailable = true;
    for (const [op, input] of [
      ['lane.get', { lane: 'worker@build-1' }],
      ['lane.tail', { lane: 'worker@build-1' }],
      ['lane.list', { fleet: true }],
      ['attention', { fleet: true }],
      ['request.list', { fleet: true }],
      ['trigger.add', { name: 't', lane: 'worker@build-1', when: 'turn_completed', text: 'x', target: '@alpha' }],
    ] as const) {
      const error = await failure(executeOp(op, input, ctx));
      expect(error.code, op).toBe('fleet_unavailable');
      expect(error.exitCode).toBe(ERROR_TABLE.fleet_unavailable.exit);
    }
    expect(ERROR_TABLE.fleet_unavailable.exit).toBe(18);
  });

  it('tail: the completed items of the facts its station published, as the local tail shows items', async () => {
    const { ctx, fleet } = await setup();
    fleet.facts.push(
      fact(1, 'worker-id-0001', { type: 'turnStarted', turnId: 't1' }),
      fact(2, 'worker-id-0001', { type: 'itemCompleted', turnId: 't1', item: { id: 'i1', type: 'userMessage', text: 'build it', raw: null } }),
      fact(3, 'worker-id-0001', { type: 'itemCompleted', turnId: 't1', item: { id: 'i2', type: 'commandExecution', command: 'npm test', exitCode: 0, raw: null } }),
      fact(4, 'other-lane', { type: 'itemCompleted', turnId: 't9', item: { id: 'x', type: 'agentMessage', text: 'not this lane', raw: null } }),
      fact(5, 'worker-id-0001', { type: 'itemCompleted', turnId: 't1', item: { id: 'i3', type: 'agentMessage', text: 'all green', raw: null } }),
    );
    expect(await executeOp('lane.tail', { lane: 'worker@build-1', limit: 2 }, ctx)).toEqual({
      lane: 'worker-id-0001',
      handle: '@worker@build-1',
      station: 'build-1',
      items: [
        { turn_id: 't1', item_id: 'i2', type: 'commandExecution', text: 'npm test' },
        { turn_id: 't1', item_id: 'i3', type: 'agentMessage', text: 'all green' },
      ],
    });
  });
});

describe('triggers and subscriptions on NAME@STATION', () => {
  it('trigger add stores a remote lane as <laneId>@<station> and shows it by @handle@station in add and list', async () => {
    const { ctx } = await setup();
    const added = await executeOp('trigger.add', { name: 'relay', lane: 'alpha', when: 'turn_completed', target: 'worker@build-1', text: '{{last_message}}' }, ctx);
    expect(added).toMatchObject({ lane: '@alpha', target: '@worker@build-1', target_id: 'worker-id-0001@build-1' });
    const watching = await executeOp('trigger.add', { name: 'watch', lane: 'worker@build-1', when: 'lane_done', target: '@alpha', text: 'done' }, ctx);
    expect(watching).toMatchObject({ lane: '@worker@build-1', lane_id: 'worker-id-0001@build-1', target: '@alpha' });
    const { triggers } = (await executeOp('trigger.list', {}, ctx)) as { triggers: Array<Record<string, unknown>> };
    expect(triggers.map((t) => [t['name'], t['lane'], t['target']])).toEqual(
      expect.arrayContaining([
        ['relay', '@alpha', '@worker@build-1'],
        ['watch', '@worker@build-1', '@alpha'],
      ]),
    );
    expect(ctx.store.triggers.list().map((t) => [t.lane, t.action.target])).toEqual(expect.arrayContaining([[expect.any(String), 'worker-id-0001@build-1'], ['worker-id-0001@build-1', expect.any(String)]]));
  });

  it('trigger list still answers when the database is away, naming remote lanes by their stored id', async () => {
    const { ctx, fleet } = await setup();
    await executeOp('trigger.add', { name: 'relay', lane: 'alpha', when: 'turn_completed', target: 'worker@build-1', text: 'x' }, ctx);
    fleet.unavailable = true;
    const { triggers } = (await executeOp('trigger.list', {}, ctx)) as { triggers: Array<Record<string, unknown>> };
    expect(triggers[0]).toMatchObject({ target: 'worker-id-0001@build-1' });
  });

  it('a trigger writing to an archived remote lane, or to an unknown one, is refused when added', async () => {
    const { ctx } = await setup();
    expect((await failure(executeOp('trigger.add', { name: 'x', lane: 'alpha', when: 'turn_completed', target: 'old@build-1', text: 'x' }, ctx))).code).toBe('validation');
    expect((await failure(executeOp('trigger.add', { name: 'x', lane: 'alpha', when: 'turn_completed', target: 'nope@build-1', text: 'x' }, ctx))).code).toBe('not_found');
    expect(ctx.store.triggers.list()).toEqual([]);
  });

  it('subscribe worker@build-1 --to a local lane or the inbox', async () => {
    const { ctx } = await setup();
    expect(await executeOp('subscribe', { worker: 'worker@build-1', to: 'alpha' }, ctx)).toMatchObject({ lane: '@worker@build-1', lane_id: 'worker-id-0001@build-1', when: 'lane_done', action: 'send', target: '@alpha' });
    expect(await executeOp('subscribe', { worker: 'worker@build-1', to: 'inbox', when: 'failed' }, ctx)).toMatchObject({ lane: '@worker@build-1', action: 'inbox', target: null, when: 'turn_failed' });
    expect((await failure(executeOp('subscribe', { worker: 'worker@build-1', to: 'worker@build-1' }, ctx))).message).toMatch(/itself/);
  });
});

describe('requests of other stations', () => {
  it('request list --lane NAME@STATION and --fleet list the pending requests the directory holds', async () => {
    const { ctx } = await setup();
    const remote = { id: 7, station: 'build-1', lane: '@worker@build-1', kind: 'command', summary: 'npm test', state: 'pending', created_at: '2026-11-25T11:59:00Z' };
    expect(await executeOp('request.list', { lane: 'worker@build-1' }, ctx)).toEqual({ requests: [remote] });
    expect(await executeOp('request.list', { fleet: true }, ctx)).toEqual({ requests: [remote] });
    expect(await executeOp('request.list', {}, ctx)).toEqual({ requests: [] });
  });

  it('request respond ID --station S queues the answer for that station', async () => {
    const { ctx, fleet } = await setup();
    expect(await executeOp('request.respond', { id: 7, station: 'build-1', decision: 'accept' }, ctx)).toEqual({ id: 7, station: 'build-1', decision: 'accept', answer: null, receipt: 'm1', state: 'queued' });
    expect(fleet.entries[0]).toMatchObject({ station: 'build-1', body: { kind: 'respond', request: 7, decision: 'accept' } });
    expect((await failure(executeOp('request.respond', { id: 7, station: 'build-1' }, ctx))).code).toBe('validation');
    // This station's own name is a local request.
    expect((await failure(executeOp('request.respond', { id: 7, station: 'home', decision: 'accept' }, ctx))).code).toBe('not_found');
  });
});

describe('fleet views', () => {
  it('fleet status: this station, the url without its password, every station with state, heartbeat age and counts', async () => {
    const { ctx, fleet } = await setup();
    Object.assign(fleet.stationList[1] ?? {}, { state: 'unreachable', lastSeen: '2026-11-25T11:59:30Z' });
    const status = (await executeOp('fleet.status', {}, ctx)) as Record<string, unknown>;
    expect(status).toMatchObject({ in_fleet: true, station: 'home', url: 'postgres://dispatch:***@db.example:5432/fleet', connected: true, station_state: 'joined', last_error: null });
    expect(JSON.stringify(status)).not.toContain('hunter2');
    expect(status['stations']).toEqual([
      expect.objectContaining({ name: 'home', self: true, state: 'up', lanes: 1 }),
      expect.objectContaining({ name: 'build-1', self: false, state: 'unreachable', heartbeat_age_seconds: 30, lanes: 2, busy: 0, needs_you: 1, version: '0.9.0', mode: 'simulate' }),
    ]);
  });

  it('fleet status while the database is away still shows this station: not connected, the error, no stations', async () => {
    const { ctx, fleet } = await setup();
    fleet.unavailable = true;
    const status = (await executeOp('fleet.status', {}, ctx)) as Record<string, unknown>;
    expect(status).toMatchObject({ in_fleet: true, station: 'home', connected: false, stations: [], last_error: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(status['detail']).toMatch(/not reachable.*catches up/);
    expect(JSON.stringify(status)).not.toContain('hunter2');
  });

  it('fleet status in no fleet says so, without an error', async () => {
    const ctx = await contextWithAlpha();
    opened.push(ctx);
    const status = (await executeOp('fleet.status', {}, ctx)) as Record<string, unknown>;
    expect(status).toMatchObject({ in_fleet: false, station: null, stations: [] });
    expect(status['detail']).toMatch(/\[fleet\] url and station/);
  });

  it('lane list --fleet: local lanes from the registry, other stations\' from the directory, each with its station and reachability', async () => {
    const { ctx, fleet } = await setup();
    Object.assign(fleet.laneList[1] ?? {}, { reachable: false });
    const { lanes } = (await executeOp('lane.list', { fleet: true }, ctx)) as { lanes: Array<Record<string, unknown>> };
    expect(lanes.map((l) => [l['handle'], l['station'], l['reachable']])).toEqual([
      ['@alpha', 'home', true],
      ['@worker@build-1', 'build-1', false],
    ]);
    expect(lanes[0]).toHaveProperty('total_tokens');
    const all = (await executeOp('lane.list', { fleet: true, include_archived: true }, ctx)) as { lanes: unknown[] };
    expect(all.lanes).toHaveLength(3);
    const plain = (await executeOp('lane.list', {}, ctx)) as { lanes: Array<Record<string, unknown>> };
    expect(plain.lanes.map((l) => [l['handle'], l['station']])).toEqual([['@alpha', undefined]]);
  });

  it('lane list --fleet and attention --fleet in no fleet: a validation error saying how to join one', async () => {
    const ctx = await contextWithAlpha();
    opened.push(ctx);
    for (const op of ['lane.list', 'attention', 'request.list']) expect((await failure(executeOp(op, { fleet: true }, ctx))).message).toMatch(/listing the fleet needs a fleet/);
  });

  it('attention --fleet: other stations\' requests, failures and unread results, with actions that reach them', async () => {
    const { ctx, fleet } = await setup();
    fleet.addLane('build-1', '@done', { attention: 'done-unread', lastAgentMessage: 'shipped', updatedAt: '2026-11-25T11:00:00Z', reachable: false });
    const { items } = (await executeOp('attention', { fleet: true }, ctx)) as { items: Array<Record<string, unknown>> };
    expect(items).toEqual([
      expect.objectContaining({ attention: 'needs-you', reason: 'approval', handle: '@worker@build-1', station: 'build-1', reachable: true, request: 7, actions: [{ op: 'request.respond', input: { id: 7, station: 'build-1', decision: 'accept' }, fill: [] }, expect.anything()] }),
      expect.objectContaining({ attention: 'done-unread', reason: 'done', handle: '@done@build-1', station: 'build-1', reachable: false, summary: 'shipped' }),
    ]);
    // Every action is a valid call of its op.
    for (const item of items) for (const action of item['actions'] as Array<{ op: string; input: Record<string, unknown> }>) await executeOp(action.op, action.input, ctx).catch((e: unknown) => expect((e as DispatchError).code).not.toBe('validation'));
    expect(await executeOp('attention', {}, ctx)).toEqual({ items: [] });
  });

  it('an op that stays on this station (stop, lane wait …) given another station\'s lane says where it lives, not just "no lane"', async () => {
    const { ctx } = await setup();
    const error = await failure(executeOp('stop', { lane: 'worker@build-1' }, ctx));
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('station build-1');
    expect(error.data).toMatchObject({ station: 'build-1' });
  });
});
