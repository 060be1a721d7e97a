import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../../src/contracts/manifest.js';
import { renderAttention, withCommands } from '../../../src/surfaces/cli/attentionView.js';
import { renderFleetStatus } from '../../../src/surfaces/cli/fleetView.js';
import { renderTable } from '../../../src/surfaces/cli/render.js';

describe('fleet views for people', () => {
  const station = (name: string, patch: Record<string, unknown> = {}) => ({ name, state: 'up', self: false, host: `${name}.lan`, version: '0.2.0', mode: 'simulate', heartbeat_age_seconds: 2, lanes: 3, busy: 1, needs_you: 0, started_at: 'x', last_seen: 'x', ...patch });

  it('fleet status: this station and its database, then one line per station, an unreachable one marked', () => {
    const text = renderFleetStatus({ in_fleet: true, station: 'home', url: 'postgres://u:***@db/fleet', connected: true, stations: [station('home', { self: true }), station('build-1', { state: 'unreachable', heartbeat_age_seconds: 40 })], detail: null });
    const [head, columns, ...rows] = text.split('\n');
    expect(head).toBe('station home (postgres://u:***@db/fleet, connected)');
    expect(columns).toMatch(/^STATION\s+STATE\s+HOST\s+VERSION\s+MODE\s+HEARTBEAT\s+LANES\s+BUSY\s+NEEDS_YOU$/);
    expect(rows[0]).toMatch(/^home \(this\)\s+up\s+home\.lan/);
    expect(rows[1]).toMatch(/^build-1\s+unreachable\s+build-1\.lan\s+0\.2\.0\s+simulate\s+40s ago\s+3\s+1\s+0$/);
  });

  it('fleet status in no fleet says so and how to join one', () => {
    expect(renderFleetStatus({ in_fleet: false, detail: 'set [fleet] url and station' })).toBe('not in a fleet: set [fleet] url and station');
  });

  it('fleet status says when this station is not joined, and its last error', () => {
    const text = renderFleetStatus({ in_fleet: true, station: 'home', url: 'postgres://db/f', connected: false, station_state: 'name_taken', last_error: 'station name "home" is held', stations: [] });
    expect(text.split('\n').slice(0, 2)).toEqual(['station home name_taken (postgres://db/f, not connected (retrying))', 'last error: station name "home" is held']);
  });

  it('lane list --fleet puts the station beside the handle', () => {
    const header = renderTable([{ id: 'a', handle: '@w@build-1', source: 'own', status: 'idle', attention: 'idle', cwd: '/w', station: 'build-1', reachable: false }]).split('\n')[0] ?? '';
    expect(header.split(/\s+/).slice(0, 6)).toEqual(['ID', 'HANDLE', 'STATION', 'STATUS', 'ATTENTION', 'REACHABLE']);
  });

  it('attention --fleet marks an item whose station is unreachable', () => {
    const item = { attention: 'done-unread', reason: 'done', lane: 'w1', handle: '@w@build-1', request: null, summary: 'shipped', since: new Date().toISOString(), actions: [], commands: ['dispatch lane tail @w@build-1'], station: 'build-1', reachable: false };
    const text = renderAttention({ items: [item, { ...item, handle: '@v@build-2', station: 'build-2', reachable: true }] });
    expect(text).toContain('  @w@build-1 [build-1 unreachable]  done: shipped');
    expect(text).toContain('  @v@build-2  done: shipped');
  });

  it('attention --fleet spells another station\'s request and lane in commands that reach them', async () => {
    const actions = [
      { op: 'request.respond', input: { id: 7, station: 'build-1', decision: 'accept' }, fill: [] },
      { op: 'lane.tail', input: { lane: '@w@build-1' }, fill: [] },
      { op: 'send', input: { lane: '@w@build-1', text: '<message>' }, fill: ['text'] },
    ];
    const result = withCommands({ items: [{ reason: 'approval', actions }] }, await buildManifest()) as { items: Array<{ commands: string[] }> };
    expect(result.items[0]?.commands).toEqual(['dispatch request respond 7 accept --station build-1', 'dispatch lane tail @w@build-1', "dispatch send @w@build-1 '<message>'"]);
  });
});
