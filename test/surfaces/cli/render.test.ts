import { describe, expect, it } from 'vitest';
import { triggerViewOf } from '../../../src/core/handlers/trigger/shared.js';
import { renderEvents } from '../../../src/surfaces/cli/eventsView.js';
import { renderHuman } from '../../../src/surfaces/cli/render.js';
import { makeTrigger } from '../../core/triggers/fixtures.js';

const handles = new Map([['lane-a', '@renamed'], ['lane-b', '@sink']]);
const handleOf = (id: string) => handles.get(id) ?? null;

describe('trigger list as a table', () => {
  it('shows the current handles and a failing trigger\'s failure count and last error', () => {
    const healthy = makeTrigger({ id: 'T1', lane: 'lane-a' });
    const failing = makeTrigger({ id: 'T2', lane: 'lane-a', action: { kind: 'send', text: 'x', target: 'lane-b' }, failureCount: 3, lastError: 'validation: lane @sink is archived' });
    const [header, first, second] = renderHuman({ triggers: [healthy, failing].map((t) => triggerViewOf(t, handleOf)) }).split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['ID', 'NAME', 'LANE', 'TARGET', 'WHEN', 'ACTION', 'ENABLED', 'FAILURE_COUNT', 'LAST_ERROR']);
    expect(first).toMatch(/^T1\s+nudge\s+@renamed\s+interval\s+send\s+true\s+0$/);
    expect(second).toMatch(/^T2\s+nudge\s+@renamed\s+@sink\s+interval\s+send\s+true\s+3\s+validation: lane @sink is archived$/);
  });

  it('leaves out a column that is empty in every row, and an id column beside its handle', () => {
    const table = renderHuman({ triggers: [triggerViewOf(makeTrigger({ lane: 'lane-a' }), handleOf)] });
    expect(table.split('\n')[0]?.split(/\s{2,}/)).toEqual(['ID', 'NAME', 'LANE', 'WHEN', 'ACTION', 'ENABLED', 'FAILURE_COUNT', 'TEXT', 'SECONDS']);
    expect(table).not.toContain('lane-a');
  });
});

describe('lane list as a table', () => {
  it("shows a lane's worktree branch even when every other column is filled", () => {
    const latest = { id: 't-1', status: 'inProgress', error: null, at: '2026-11-25T12:00:00.000Z' };
    const row = { id: 'lane-a', handle: '@a', source: 'own', status: 'busy', attention: 'working', cwd: '/src/p.worktrees/a', active_turn_id: 't-1', latest_turn: latest, updated_at: latest.at, worktree_branch: 'dispatch/a' };
    const [header, first] = renderHuman({ lanes: [row] }).split('\n');
    expect(header?.split(/\s{2,}/)).toContain('WORKTREE_BRANCH');
    expect(first).toContain('dispatch/a');
  });
});

describe('events as a table', () => {
  it('shows seq, time, lane handle, type and a summary per fact, then the cursor to read on from', () => {
    const at = '2026-11-25T12:00:00.000Z';
    const lines = renderEvents({
      events: [
        { seq: 7, at, type: 'deliveryChanged', lane: 'lane-a', handle: '@worker', receipt: 3, mode: 'send', state: 'accepted', turnId: 't-1' },
        { seq: 9, at, type: 'turnCompleted', lane: 'lane-a', handle: '@worker', turnId: 't-1', outcome: 'failed', error: { message: 'disk full' } },
      ],
      next_since: 9,
      latest_seq: 12,
      oldest_seq: 1,
      missed: false,
    }).split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['SEQ', 'AT', 'LANE', 'TYPE', 'SUMMARY']);
    expect(lines[1]).toMatch(/^7\s+2026-11-25T12:00:00.000Z\s+@worker\s+deliveryChanged\s+receipt 3 accepted turn t-1$/);
    expect(lines[2]).toMatch(/@worker\s+turnCompleted\s+turn t-1 failed: disk full$/);
    expect(lines[3]).toBe('next_since: 9  latest_seq: 12');
  });
});
