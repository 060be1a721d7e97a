import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/context.js';
import { deliver, reconcile } from '../../src/core/deliveries.js';
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

  it('after a daemon restart: a busy lane records its turn as lost, its receipt waits for the history, a submitting one turns ambiguous', async () => {
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
    // Whether codex finished it cannot be known before the history is readable again.
    expect(core.store.deliveries.find(running.id)?.state).toBe('accepted');
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

  describe('settles the receipts of lost turns from the thread history once codex is back', () => {
    async function crashAndRecover(before: (laneId: string, turnId: string) => void = () => undefined) {
      const { lane, running } = await busyLane();
      const queued = (await deliver(core.ctx, { lane, mode: 'queue', text: '@sim reply next', source: 'op' })).delivery;
      before(lane.id, running.turnId ?? '');
      // dispatchd died with its app-server; the new daemon starts and then its new app-server.
      core.fake.crash();
      recoverAfterDaemonRestart(core.ctx);
      await reattachLanes(core.ctx, { generation: 2, restarted: false });
      return { lane, running, queued };
    }

    it('a turn codex completed while dispatchd was dead: completed, and the queue moves on', async () => {
      const { lane, running, queued } = await crashAndRecover((laneId) => core.fake.finishUnheard(laneId));
      expect(core.store.deliveries.find(running.id)).toMatchObject({ state: 'completed', error: null, turnId: running.turnId });
      await core.until(() => core.store.deliveries.find(queued.id)?.state === 'completed');
      expect(core.lane(lane.id).lastAgentMessage).toBe('next');
    });

    it('a turn that died with the app-server: interrupted (retryable), and the queue moves on', async () => {
      const { running, queued } = await crashAndRecover();
      expect(core.store.deliveries.find(running.id)).toMatchObject({ state: 'interrupted', turnId: running.turnId });
      await core.until(() => core.store.deliveries.find(queued.id)?.state === 'completed');
    });

    it('codex accepted the turn but its history has no trace of it: interrupted (sending again cannot double it), and the queue moves on', async () => {
      const { running, queued } = await crashAndRecover((laneId, turnId) => {
        core.fake.finishUnheard(laneId);
        // The rollout lost the turn (the history holds nothing of it).
        void core.fake.revert(laneId, turnId);
      });
      expect(core.store.deliveries.find(running.id)).toMatchObject({ state: 'interrupted', error: 'the turn was lost before codex saved it' });
      await core.until(() => core.store.deliveries.find(queued.id)?.state === 'completed');
    });

    it('a turn codex completed while dispatchd was dead: the lane shows that turn completed with its reply, not the daemon_exit failure', async () => {
      const lane = await core.ownLane();
      const started = core.nextEvent((e) => e.type === 'turnStarted' && e.laneId === lane.id);
      const { delivery: running } = await deliver(core.ctx, { lane, mode: 'send', text: '@sim reply done while you were away\n@sim hang', source: 'op' });
      await started;
      core.fake.finishUnheard(lane.id);
      core.fake.crash();
      recoverAfterDaemonRestart(core.ctx);
      expect(core.lane(lane.id).latestTurn).toMatchObject({ id: running.turnId, status: 'failed', error: { code: 'daemon_exit' } });
      await reattachLanes(core.ctx, { generation: 2, restarted: false });
      expect(core.store.deliveries.find(running.id)).toMatchObject({ state: 'completed', turnId: running.turnId });
      expect(core.lane(lane.id)).toMatchObject({
        status: 'idle',
        attention: 'done-unread',
        activeTurnId: null,
        latestTurn: { id: running.turnId, status: 'completed', error: null },
        lastAgentMessage: 'done while you were away',
      });
      // Written by the journal from a fact, like every lane change.
      expect(core.store.facts.since(0, { lanes: [lane.id], limit: 1000 }).map((f) => f.type)).toContain('turnRecovered');
    });

    it("codex died after saving the agent's final message but before marking the turn done: completed", async () => {
      const { running } = await crashAndRecover((laneId, turnId) => {
        core.fake.finishUnheard(laneId);
        // As a restarted codex shows such a turn: interrupted, its reply saved as the last item.
        const turn = core.fake.threads.get(laneId)?.turns.find((t) => t.id === turnId);
        if (!turn) throw new Error('the fake has no such turn');
        turn.status = 'interrupted';
        turn.items.push({ id: 'reply', type: 'agentMessage', text: 'all done', raw: {} });
      });
      expect(core.store.deliveries.find(running.id)).toMatchObject({ state: 'completed', turnId: running.turnId });
      // The reply the history saved is the lane's; the turn after it is the queued one.
      expect(core.store.facts.since(0, { limit: 1000 }).find((f) => f.type === 'turnRecovered')).toMatchObject({ turnId: running.turnId, lastAgentMessage: 'all done' });
    });

    it("the thread's history cannot be read: ambiguous, holding the lane", async () => {
      const { lane, running } = await busyLane();
      const queued = (await deliver(core.ctx, { lane, mode: 'queue', text: '@sim reply next', source: 'op' })).delivery;
      core.fake.crash();
      recoverAfterDaemonRestart(core.ctx);
      core.fake.failNext('listTurns', new Error('history unreadable'));
      await reattachLanes(core.ctx, { generation: 2, restarted: false });
      expect(core.store.deliveries.find(running.id)).toMatchObject({ state: 'ambiguous' });
      expect(core.store.deliveries.find(queued.id)?.state).toBe('queued');
      expect(core.fake.calls.filter((c) => c.method === 'startTurn')).toHaveLength(1);
    });

    it('after an app-server crash too: the lost receipt is settled from the history on reattach', async () => {
      const { lane, running } = await busyLane();
      core.fake.crash();
      recordLostTurns(core.ctx, { message: 'codex app-server exited', code: 'app_server_exit', exit: 'signal SIGKILL' });
      expect(core.store.deliveries.find(running.id)?.state).toBe('accepted');
      await reattachLanes(core.ctx, { generation: 2, restarted: true });
      expect(core.store.deliveries.find(running.id)?.state).toBe('interrupted');
      expect(core.lane(lane.id).status).toBe('error');
    });
  });

  it('reconcile settles a receipt an older dispatch failed after a crash from the history, and leaves one codex really refused failed', async () => {
    const { lane, running } = await busyLane();
    core.fake.finishUnheard(lane.id);
    // As dispatch before this fix left it: the lost turn's receipt failed.
    core.store.deliveries.transition(running.id, ['accepted'], 'failed', { error: 'dispatchd stopped during the turn' });
    const failed = core.store.deliveries.find(running.id);
    if (!failed) throw new Error('no receipt');
    const found = await reconcile(core.ctx, failed, 'check');
    expect(found.settled).toBe(true);
    expect(found.evidence).toContain(`found in turn ${running.turnId} (completed)`);
    expect(core.store.deliveries.find(running.id)).toMatchObject({ state: 'completed', error: null });

    const reserved = core.store.deliveries.insert({ lane: lane.id, mode: 'send', source: 'op', text: 'never sent', clientMessageId: 'cid-refused', state: 'submitting' });
    core.store.deliveries.transition(reserved.id, ['submitting'], 'failed', { error: 'app_server: turn/start: refused' });
    const refused = core.store.deliveries.find(reserved.id);
    if (!refused) throw new Error('no receipt');
    const none = await reconcile(core.ctx, refused, 'check');
    expect(none.settled).toBe(true);
    expect(none.evidence).toContain('dispatch delivery retry');
    expect(core.store.deliveries.find(refused.id)?.state).toBe('failed');
  });
});
