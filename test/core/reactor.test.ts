import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/context.js';
import type { LaneEvent } from '../../src/core/laneEvents.js';
import { createJournal } from '../../src/core/journal.js';
import { createLane } from '../../src/core/lanes.js';
import { createLanePipeline } from '../../src/core/pipeline.js';
import { openStore } from '../../src/store/index.js';

// The daemon's event path over a real (in-memory) registry: events become facts, lanes fold them.
function setup() {
  const store = openStore({ path: ':memory:' });
  const clock = { now: () => new Date('2026-11-25T00:00:00Z') };
  const journal = createJournal({ store, clock, publish: () => undefined });
  createLane({ store, journal }, { laneId: 'L', handle: '@l', source: 'own', cwd: '/w', status: 'idle', settings: { sandbox: 'read-only', approvalPolicy: 'never' }, ephemeral: false, by: 'test' });
  const ended: string[] = [];
  const react: (event: LaneEvent) => void = createLanePipeline({
    store,
    journal,
    clock,
    log: silentLogger,
    publishLive: () => undefined,
    correlate: () => undefined,
    automate: () => undefined,
    turnEnded: (id) => ended.push(id),
  });
  return { store, react, ended, lane: () => store.lanes.find('L') };
}

describe('reactor', () => {
  it('follows a turn from start to completion and keeps the last agent message', () => {
    const { react, lane, ended } = setup();
    react({ type: 'statusChanged', laneId: 'L', status: 'active', activeFlags: [] });
    react({ type: 'turnStarted', laneId: 'L', turnId: 'T1' });
    expect(lane()).toMatchObject({ status: 'busy', activeTurnId: 'T1', latestTurn: { id: 'T1', status: 'inProgress' } });
    react({ type: 'statusChanged', laneId: 'L', status: 'active', activeFlags: ['waitingOnApproval'] });
    expect(lane()?.status).toBe('waiting_approval');
    react({ type: 'statusChanged', laneId: 'L', status: 'idle', activeFlags: [] });
    react({ type: 'turnCompleted', laneId: 'L', turnId: 'T1', outcome: 'completed', lastAgentMessage: 'done' });
    expect(lane()).toMatchObject({ status: 'idle', activeTurnId: null, latestTurn: { id: 'T1', status: 'completed' }, lastAgentMessage: 'done' });
    expect(ended).toEqual(['L']);
  });

  it('records a failure from the error notification and turn/completed (there is no turn/failed)', () => {
    const { react, lane } = setup();
    react({ type: 'turnStarted', laneId: 'L', turnId: 'T1' });
    react({ type: 'statusChanged', laneId: 'L', status: 'systemError', activeFlags: [] });
    react({ type: 'turnError', laneId: 'L', turnId: 'T1', error: { message: 'boom', code: 'other' }, willRetry: false });
    react({ type: 'turnCompleted', laneId: 'L', turnId: 'T1', outcome: 'failed' });
    expect(lane()).toMatchObject({ status: 'error', latestTurn: { id: 'T1', status: 'failed', error: { message: 'boom', code: 'other' } } });
  });

  it('shows the error codex is retrying on the running turn, and clears it once the turn progresses', () => {
    const { react, lane } = setup();
    react({ type: 'turnStarted', laneId: 'L', turnId: 'T1' });
    const retrying = { message: 'Reconnecting... 2/5', code: 'responseStreamDisconnected', details: 'Connection refused (os error 111)' };
    react({ type: 'turnError', laneId: 'L', turnId: 'T1', error: retrying, willRetry: true });
    expect(lane()).toMatchObject({ status: 'busy', latestTurn: { id: 'T1', status: 'inProgress', error: retrying } });
    react({ type: 'itemStarted', laneId: 'L', turnId: 'T1', item: { id: 'i1', type: 'agentMessage', raw: {} } });
    expect(lane()).toMatchObject({ status: 'busy', latestTurn: { id: 'T1', status: 'inProgress', error: null } });
    // A retry notice for a turn that is no longer the lane's running one changes nothing.
    react({ type: 'turnError', laneId: 'L', turnId: 'T0', error: retrying, willRetry: true });
    expect(lane()?.latestTurn).toMatchObject({ id: 'T1', error: null });
  });

  it('never lets a late completion of an old turn overwrite a newer busy turn', () => {
    const { react, lane } = setup();
    react({ type: 'turnStarted', laneId: 'L', turnId: 'T1' });
    react({ type: 'statusChanged', laneId: 'L', status: 'idle', activeFlags: [] });
    // A send starts T2 before T1's turn/completed arrives.
    react({ type: 'turnStarted', laneId: 'L', turnId: 'T2' });
    react({ type: 'turnCompleted', laneId: 'L', turnId: 'T1', outcome: 'completed' });
    expect(lane()).toMatchObject({ status: 'busy', activeTurnId: 'T2', latestTurn: { id: 'T2', status: 'inProgress' } });
  });

  it('ignores unknown lanes and keeps going after a bad event', () => {
    const { react, lane } = setup();
    react({ type: 'turnStarted', laneId: 'nobody', turnId: 'T' });
    react({ type: 'turnStarted', laneId: 'L' } as unknown as LaneEvent);
    react({ type: 'turnStarted', laneId: 'L', turnId: 'T9' });
    expect(lane()?.activeTurnId).toBe('T9');
  });
});
