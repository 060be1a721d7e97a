import { followLane } from '../helpers/laneFollow.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedEntry } from '../../src/control/protocol.js';
import { DaemonClient } from '../../src/client/client.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/migrations.js';
import { startDispatchHarness, type DispatchHarness } from '../helpers/dispatchHarness.js';
import { PINNED_CODEX_VERSION } from '../helpers/pinnedCodex.js';

// The control protocol pushes live lane events to subscribers on the same connection as calls.
describe('control protocol push and doctor', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
    await h.ok(['new', '--name', 'streamed', '--prefix', '', '--no-send']);
  }, 60_000);
  afterAll(async () => h?.close());

  it('streams a lane\'s events to a subscribed client, in wire order', async () => {
    const client = await DaemonClient.connect(path.join(h.home, 'dispatchd.sock'));
    const events: Array<FeedEntry['event']> = [];
    let turnCompleted = (): void => undefined;
    const done = new Promise<void>((resolve) => (turnCompleted = resolve));
    // subscribe resolves once the daemon has registered the subscription, so the send below cannot outrun it.
    await client.subscribe({ lanes: ['streamed'] }, ({ event }) => {
      events.push(event);
      if (event.type === 'turnCompleted') turnCompleted();
    });
    await client.call('send', { lane: 'streamed', text: '@sim reply pushed to you' });
    await done;
    const types = events.map((e) => e.type);
    expect(types.indexOf('turnStarted')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('turnStarted')).toBeLessThan(types.indexOf('turnCompleted'));
    expect(events.every((e) => e.laneId === events[0]?.laneId)).toBe(true);
    const completed = events.find((e) => e.type === 'turnCompleted');
    expect(completed?.type === 'turnCompleted' && completed.lastAgentMessage).toBe('pushed to you');
    await client.close();
  });

  it('lane follow streams the events as JSON lines and stops when the turn ends', async () => {
    await h.ok(['new', '--name', 'followed', '--prefix', '', '--no-send']);
    const follow = await followLane(h, 'followed');
    await h.ok(['send', 'followed', '@sim reply followed live']);
    expect(await follow.exited, follow.stderr()).toBe(0);
    const events = follow.stdout().trim().split('\n').map((line) => JSON.parse(line) as FeedEntry['event']);
    expect(events.at(-1)).toMatchObject({ type: 'turnCompleted', outcome: 'completed', lastAgentMessage: 'followed live' });
    expect(events.filter((e) => e.type === 'agentMessageDelta').map((e) => (e.type === 'agentMessageDelta' ? e.delta : '')).join('')).toBe('followed live');
  });

  it('doctor reports the codex binary, the running daemon and the registry', async () => {
    const report = await h.ok<{ ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> }>(['doctor']);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName['codex binary']).toMatchObject({ ok: true });
    expect(byName['codex binary']?.detail).toContain(`codex ${PINNED_CODEX_VERSION}`);
    expect(byName['daemon']?.detail).toMatch(/^running: pid \d+/);
    expect(byName['registry']?.detail).toMatch(new RegExp(`schema version ${LATEST_SCHEMA_VERSION}, .*integrity ok`));
    expect(report.ok).toBe(true);
  });
});
