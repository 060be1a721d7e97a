import { describe, expect, it } from 'vitest';
import { triggerViewOf } from '../../../src/core/handlers/trigger/shared.js';
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
