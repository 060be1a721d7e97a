import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetAccess, FleetFact, FleetLane, OutboxEntry, RemoteLaneRef } from '../../../src/core/fleet.js';
import type { LaneEvent } from '../../../src/core/laneEvents.js';
import type { DeliveryMode } from '../../../src/core/model.js';
import { fireEventTriggers, type TriggerContext } from '../../../src/core/triggers/apply.js';
import { eventOfFleetFact, laneOfFleetLane, remoteLaneKey, splitRemoteKey, watchedRemoteLanes } from '../../../src/core/triggers/remote.js';
import { fakeCore, type FakeCore } from '../fakeCore.js';
import { makeTrigger } from './fixtures.js';

const WORKER: FleetLane = {
  station: 'build-1',
  laneId: '019a-worker',
  handle: '@worker',
  status: 'idle',
  attention: 'done-unread',
  cwd: '/src',
  activeTurnId: null,
  lastAgentMessage: 'all green',
  pendingRequests: [],
  updatedAt: '2026-12-01T10:00:00.000Z',
};

/** Records what firing hands the outbox; nothing else of FleetAccess is used by firing. */
function recordingFleet(): FleetAccess & { sent: Array<{ ref: RemoteLaneRef; mode: DeliveryMode; text: string; source: string }> } {
  const sent: Array<{ ref: RemoteLaneRef; mode: DeliveryMode; text: string; source: string }> = [];
  const unused = (): never => {
    throw new Error('not used by firing');
  };
  return {
    station: 'desk',
    sent,
    send(ref, message): OutboxEntry & { duplicate: boolean } {
      sent.push({ ref, mode: message.mode, text: message.text, source: message.source });
      const now = '2026-12-01T10:00:01.000Z';
      return { id: sent.length, station: ref.station, lane: ref.lane, body: { kind: 'send', mode: message.mode, text: message.text }, idempotencyKey: null, source: message.source, mailId: null, receipt: null, state: 'queued', turnId: null, error: null, createdAt: now, updatedAt: now, duplicate: false };
    },
    stations: unused,
    lanes: unused,
    findLane: unused,
    respond: unused,
    outbox: unused,
    laneFacts: unused,
  };
}

describe('triggers on lanes of other stations', () => {
  let core: FakeCore;
  beforeEach(() => {
    core = fakeCore();
  });
  afterEach(() => core.close());

  it('keys a remote lane as id@station and splits it back; a local thread id is no remote key', () => {
    expect(remoteLaneKey('build-1', '019a-worker')).toBe('019a-worker@build-1');
    expect(splitRemoteKey('019a-worker@build-1')).toEqual({ laneId: '019a-worker', station: 'build-1' });
    expect(splitRemoteKey('019a-worker')).toBeNull();
  });

  it('turns a published fact into the lane event of its remote key, only for the facts triggers react to', () => {
    const completed: FleetFact = { type: 'turnCompleted', laneId: '019a-worker', turnId: 't1', outcome: 'completed', lastAgentMessage: 'done', seq: 7, at: 'x', station: 'build-1' };
    expect(eventOfFleetFact(completed)).toEqual({ type: 'turnCompleted', laneId: '019a-worker@build-1', turnId: 't1', outcome: 'completed', lastAgentMessage: 'done' });
    expect(eventOfFleetFact({ type: 'turnStarted', laneId: '019a-worker', turnId: 't1', seq: 6, at: 'x', station: 'build-1' })).toBeNull();
  });

  it('lists the remote lanes enabled event triggers watch, per station', () => {
    const triggers = [
      makeTrigger({ id: 'a', lane: '019a-worker@build-1', when: { kind: 'event', event: 'lane_done' } }),
      makeTrigger({ id: 'b', lane: '019b-other@build-1', when: { kind: 'event', event: 'turn_failed' } }),
      makeTrigger({ id: 'c', lane: '019c@build-2', when: { kind: 'event', event: 'lane_done' }, enabled: false }),
      makeTrigger({ id: 'd', lane: 'local-lane', when: { kind: 'event', event: 'lane_done' } }),
    ];
    expect([...watchedRemoteLanes(triggers)]).toEqual([['build-1', ['019a-worker', '019b-other']]]);
  });

  it('a remote lane finishing fires a subscription of a local lane: the message goes through the local ledger', async () => {
    const lead = await core.ownLane('@lead');
    const key = remoteLaneKey(WORKER.station, WORKER.laneId);
    core.store.triggers.insert({ ...makeTrigger({ id: 'sub', lane: key, when: { kind: 'event', event: 'lane_done' }, action: { kind: 'send', text: '[dispatch] {{handle}} is done: {{last_message}}', target: lead.id } }) });
    const ctx: TriggerContext = { ...core.ctx, remoteLanes: { lane: (k) => (k === key ? laneOfFleetLane(WORKER) : undefined) } };
    const event = eventOfFleetFact({ type: 'turnCompleted', laneId: WORKER.laneId, turnId: 't1', outcome: 'completed', lastAgentMessage: 'all green', seq: 9, at: 'x', station: 'build-1' }) as LaneEvent;
    await fireEventTriggers(ctx, event);
    const delivery = core.store.deliveries.latestBySource('trigger:sub');
    expect(delivery).toMatchObject({ lane: lead.id, text: '[dispatch] @worker@build-1 is done: all green' });
  });

  it('a trigger whose target is on another station hands the message to the outbox as queue (the target decides), even for a send', async () => {
    const local = await core.ownLane('@alpha');
    const fleet = recordingFleet();
    core.store.triggers.insert({ ...makeTrigger({ id: 'fwd', lane: local.id, when: { kind: 'event', event: 'turn_completed' }, action: { kind: 'send', text: 'review {{handle}}', target: remoteLaneKey('build-1', '019a-worker') } }) });
    await fireEventTriggers({ ...core.ctx, fleet }, { type: 'turnCompleted', laneId: local.id, turnId: 't1', outcome: 'completed' });
    expect(fleet.sent).toEqual([{ ref: { lane: '019a-worker', station: 'build-1' }, mode: 'queue', text: 'review @alpha', source: 'trigger:fwd' }]);
    expect(core.store.audit.recent({ limit: 1 })[0]).toMatchObject({ op: 'trigger-fire', triggerId: 'fwd', outcome: 'mail m1 queued' });
  });

  it('without a fleet a remote target fails the firing visibly (kept on the trigger), not silently', async () => {
    const local = await core.ownLane('@alpha');
    core.store.triggers.insert({ ...makeTrigger({ id: 'fwd', lane: local.id, when: { kind: 'event', event: 'turn_completed' }, action: { kind: 'send', text: 'x', target: remoteLaneKey('build-1', '019a-worker') } }) });
    await fireEventTriggers(core.ctx, { type: 'turnCompleted', laneId: local.id, turnId: 't1', outcome: 'completed' });
    const failed = core.store.triggers.find('fwd');
    expect(failed?.failureCount).toBe(1);
    expect(failed?.lastError).toContain('in no fleet');
  });
});
