import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, openStore } from '../../src/store/index.js';
import { manualClock, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const LANES = [
  ['aaaa1111-0000-0000-0000-000000000001', '@writer'],
  ['bbbb2222-0000-0000-0000-000000000002', '@[alpha] fix-tests'],
  ['cccc3333-0000-0000-0000-000000000003', '@[beta] fix-tests'],
  ['dddd4444-0000-0000-0000-000000000004', '@[gamma] solo'],
] as const;
const [WRITER, , , SOLO] = LANES.map(([id]) => id);

/** A registry as dispatch left it at schema version 5: triggers hold the selectors users typed. */
function registryAtVersion5(triggers: Array<[id: string, selector: string, action: Record<string, unknown>]>): string {
  const file = path.join(dirs.make(), 'registry.db');
  const raw = new Database(file);
  for (const migration of MIGRATIONS.filter((m) => m.version <= 5)) raw.exec(migration.sql);
  raw.pragma('user_version = 5');
  const lane = raw.prepare("INSERT INTO lanes (id, handle, source, status, settings, created_at, updated_at) VALUES (?, ?, 'own', 'idle', '{}', '2029-01-01T00:00:00.000Z', '2029-01-01T00:00:00.000Z')");
  for (const [id, handle] of LANES) lane.run(id, handle);
  const trigger = raw.prepare(
    `INSERT INTO triggers (id, name, lane_selector, when_spec, action_spec, guard_spec, enabled, created_at)
     VALUES (?, ?, ?, '{"kind":"event","event":"turn_completed"}', ?, '{"idleOnly":false,"minIntervalSeconds":null,"dedupe":false,"once":false}', 1, '2029-01-01T00:00:00.000Z')`,
  );
  for (const [id, selector, action] of triggers) trigger.run(id, `trigger ${id}`, selector, JSON.stringify(action));
  raw.close();
  return file;
}

describe('migration 6: triggers bound to lane ids', () => {
  it('turns every stored selector that names one lane into that lane id, for the watched lane and the target', () => {
    const file = registryAtVersion5([
      ['by-handle', 'writer', { kind: 'send', text: 'review {{handle}}', target: '@[gamma] solo' }],
      ['by-at-handle', '@writer', { kind: 'inbox', text: 'done' }],
      ['by-id', WRITER ?? '', { kind: 'steer', text: 'go', target: WRITER }],
      ['by-bare-name', 'solo', { kind: 'context', text: 'fyi', target: 'writer' }],
      ['by-id-prefix', 'dddd4444', { kind: 'send', text: 'x' }],
    ]);
    const store = openStore({ path: file, clock: manualClock() });
    const bound = new Map(store.triggers.list().map((t) => [t.id, t]));
    expect(bound.get('by-handle')).toMatchObject({ lane: WRITER, action: { kind: 'send', text: 'review {{handle}}', target: SOLO }, enabled: true, lastError: null, failureCount: 0 });
    expect(bound.get('by-at-handle')).toMatchObject({ lane: WRITER, action: { kind: 'inbox', text: 'done' } });
    expect(Object.hasOwn(bound.get('by-at-handle')?.action ?? {}, 'target')).toBe(false);
    expect(bound.get('by-id')).toMatchObject({ lane: WRITER, action: { target: WRITER } });
    expect(bound.get('by-bare-name')).toMatchObject({ lane: SOLO, action: { target: WRITER } });
    expect(bound.get('by-id-prefix')).toMatchObject({ lane: SOLO, enabled: true });
    store.close();
  });

  it('pauses a trigger whose selector names no single lane, saying why, instead of guessing', () => {
    const file = registryAtVersion5([
      ['ambiguous', 'fix-tests', { kind: 'send', text: 'x' }],
      ['gone-target', 'writer', { kind: 'send', text: 'x', target: 'nobody' }],
    ]);
    const store = openStore({ path: file, clock: manualClock() });
    expect(store.triggers.find('ambiguous')).toMatchObject({ lane: 'fix-tests', enabled: false });
    expect(store.triggers.find('ambiguous')?.lastError).toMatch(/'fix-tests' named no single lane/);
    expect(store.triggers.find('gone-target')).toMatchObject({ lane: WRITER, enabled: false, action: { target: 'nobody' } });
    expect(store.triggers.find('gone-target')?.lastError).toMatch(/target 'nobody'/);
    store.close();
  });
});
