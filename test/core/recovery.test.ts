import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/context.js';
import { deliver } from '../../src/core/deliveries.js';
import { reattachLanes, recordLostTurns, recoverAfterDaemonRestart } from '../../src/core/recovery.js';
import { DispatchError } from '../../src/shared/errors.js';
import { MINIMAL_SETTINGS } from '../store/helpers.js';
import { fakeCore, turnCompletedOn, type FakeCore } from './fakeCore.js';

describe('recovery', () => {
  let core: FakeCore;
  beforeEach(() => {
    core = fakeCore();
  });
  afterEach(() => core.close());

  async function busyLane() {
    const lane = await core.ownLane();
    const started = core.nextEvent((e) => e.type === 'turnStarted' && e.laneId === lane.id);
    const { delivery } = await deliver(core.ctx, { lane, mode: 'send', text: '@sim hang', source: 'op' });
    await started;
    return { lane: core.lane(lane.id), running: delivery };
  }

  it('after a daemon restart: a busy lane records its turn as failed, its receipt fails, a submitting one turns ambiguous', async () => {
    const { lane, running } = await busyLane();
    const idle = await core.ownLane();
    const inFlight = core.store.deliveries.insert({ lane: idle.id, mode: 'send', source: 'op', text: 'in flight', clientMessageId: 'cid', state: 'submitting' });
    // The daemon died: its app-server went with it, and nothing of the running turn is heard again.
    core.fake.crash();
    core.clock.advance(60_000);
    recoverAfterDaemonRestart(core.ctx);
    expect(core.lane(lane.id)).toMatchObject({
      status: 'error',
      activeTurnId: null,
      latestTurn: { id: running.turnId, status: 'failed', error: { message: 'dispatchd stopped during the turn', code: 'daemon_exit' }, at: core.clock.iso() },
    });
    expect(core.store.deliveries.find(running.id)).toMatchObject({ state: 'failed', error: 'dispatchd stopped during the turn' });
    expect(core.store.deliveries.find(inFlight.id)?.state).toBe('ambiguous');
    expect(core.lane(idle.id).status).toBe('idle');
    const audit = core.store.audit.recent({ limit: 10 }).map((e) => [e.op, e.lane, e.outcome]);
    expect(audit).toContainEqual(['turn-lost', lane.id, 'daemon_exit']);
    expect(audit).toContainEqual(['delivery-ambiguous', idle.id, 'ambiguous']);
  });

  it('records a turn lost with its app-server once, and leaves idle lanes alone', async () => {
    const { lane, running } = await busyLane();
    const idle = await core.ownLane();
    core.fake.crash();
    const reason = { message: 'codex app-server exited (signal SIGKILL)', code: 'app_server_exit', exit: 'signal SIGKILL' };
    expect(recordLostTurns(core.ctx, reason)).toBe(1);
    expect(core.lane(lane.id).latestTurn).toMatchObject({ id: running.turnId, status: 'failed', error: { code: 'app_server_exit' } });
    expect(core.lane(idle.id).status).toBe('idle');
    expect(recordLostTurns(core.ctx, reason)).toBe(0);
  });

  it('reattaches owned lanes after an app-server restart, marks ephemeral ones lost, and lets their queues move again', async () => {
    const { lane } = await busyLane();
    const waiting = (await deliver(core.ctx, { lane, mode: 'queue', text: '@sim reply after restart', source: 'op' })).delivery;
    const eph = await core.fake.startThread({ cwd: '/work', ephemeral: true });
    core.store.lanes.insert({ id: eph.threadId, handle: '@eph', source: 'own', cwd: '/work', status: 'idle', settings: MINIMAL_SETTINGS, ephemeral: true });
    core.store.lanes.insert({ id: 'attached-thread', handle: '@attached', source: 'attached', cwd: '/work', status: 'idle', settings: MINIMAL_SETTINGS, ephemeral: false });
    const unresumable = await core.ownLane();
    core.fake.failNext('resumeThread', new DispatchError('app_server', 'no rollout found'));
    const warnings: string[] = [];
    const log: Logger = { info: () => undefined, error: () => undefined, warn: (event) => warnings.push(event) };

    core.fake.crash();
    recordLostTurns(core.ctx, { message: 'codex app-server exited', code: 'app_server_exit', exit: 'code 1' });
    const done = core.nextEvent(turnCompletedOn(lane.id));
    await reattachLanes({ ...core.ctx, log }, { generation: 2, restarted: true });

    const resumed = core.fake.calls.filter((c) => c.method === 'resumeThread').map((c) => c.args[0]);
    expect(resumed).toEqual([lane.id, unresumable.id]);
    expect(warnings).toEqual(['lane.resume_failed']);
    expect(core.lane(eph.threadId).status).toBe('error');
    // The lane that lost its turn takes its queued message now.
    await done;
    expect(core.store.deliveries.find(waiting.id)?.state).toBe('completed');
    expect(core.lane(lane.id)).toMatchObject({ status: 'idle', lastAgentMessage: 'after restart' });
  });
});
