import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Lane state has one writer: the journal folds facts with reduceLane and writes the result. This is
// the grep that keeps it so, over every source file of src/ (store/ implements the repository).

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const JOURNAL = 'core/journal.ts';
const REDUCER = 'core/lane/state.ts';

function sources(dir = SRC): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(SRC, full).split(path.sep).join('/'), readFileSync(full, 'utf8'));
  }
  return files;
}

/** Ways to reach a lane write: `lanes.update(`, `lanes?.insert (`, `lanes['update']`, `{ update } = store.lanes`. */
const LANE_WRITE = [/\blanes\s*(?:\?\.|\.)\s*(?:insert|update)\s*\(/, /\blanes\s*(?:\?\.)?\[\s*['"`](?:insert|update)['"`]\s*\]/, /\{[^}]*\b(?:insert|update)\b[^}]*\}\s*=\s*[\w.?]*\blanes\b/];

/** The files (outside store/) that write lanes, and those that name the reducer, with the line. */
function offenders(files: Map<string, string>): { laneWriters: string[]; reducerUsers: string[] } {
  const laneWriters: string[] = [];
  const reducerUsers: string[] = [];
  for (const [file, text] of files) {
    if (file.startsWith('store/')) continue;
    text.split('\n').forEach((line, i) => {
      if (file !== JOURNAL && LANE_WRITE.some((pattern) => pattern.test(line))) laneWriters.push(`${file}:${i + 1}`);
      // Any mention outside the journal and the reducer's own file is a way to call it (an alias too).
      if (file !== JOURNAL && file !== REDUCER && /\breduceLane\b/.test(line)) reducerUsers.push(`${file}:${i + 1}`);
    });
  }
  return { laneWriters, reducerUsers };
}

describe('one writer of lane state', () => {
  const files = sources();

  it('reads the real tree', () => {
    expect(files.size).toBeGreaterThan(100);
    expect(files.has(JOURNAL)).toBe(true);
    expect(files.has(REDUCER)).toBe(true);
  });

  it('lanes.insert( and lanes.update( appear only in the journal (store/ implements them)', () => {
    expect(offenders(files).laneWriters).toEqual([]);
    // And the journal does use both, so the rule is about something real.
    const journal = files.get(JOURNAL) ?? '';
    expect(journal).toMatch(/store\.lanes\.insert\(/);
    expect(journal).toMatch(/store\.lanes\.update\(/);
  });

  it('reduceLane is called only by the journal', () => {
    expect(offenders(files).reducerUsers).toEqual([]);
    expect(files.get(JOURNAL)).toMatch(/\breduceLane\(/);
    // Its own file only defines it.
    const own = (files.get(REDUCER) ?? '').split('\n').filter((line) => /\breduceLane\s*\(/.test(line));
    expect(own).toEqual([expect.stringMatching(/^export function reduceLane\(/)]);
  });

  it('only store/ makes a lane repository', () => {
    const makers = [...files].filter(([file, text]) => !file.startsWith('store/') && /new\s+SqliteLaneRepository\b/.test(text)).map(([file]) => file);
    expect(makers).toEqual([]);
  });

  it('catches a second writer or caller, however it is spelled', () => {
    const planted = (code: string) => offenders(new Map([['core/handlers/lane/sneaky.ts', `import x from 'y';\n${code}\n`]]));
    for (const code of [
      "ctx.store.lanes.update(lane.id, { status: 'idle' });",
      'store.lanes.insert(record);',
      'deps.store.lanes ?.update(id, patch);',
      'store.lanes?.insert (record);',
      "store.lanes['update'](id, patch);",
      'const { update } = ctx.store.lanes;',
    ]) {
      expect(planted(code).laneWriters, code).toEqual(['core/handlers/lane/sneaky.ts:2']);
    }
    for (const code of ["import { reduceLane } from '../../lane/state.js';", 'const next = reduceLane(lane, fact, at);', "import { reduceLane as fold } from '../lane/state.js';"]) {
      expect(planted(code).reducerUsers, code).toEqual(['core/handlers/lane/sneaky.ts:2']);
    }
    // Reads and other repositories are not writes.
    for (const code of ['store.lanes.find(id);', 'store.deliveries.insert(d);', 'store.inbox.insert(item);', 'const lanes = store.lanes.list();']) {
      expect(planted(code), code).toEqual({ laneWriters: [], reducerUsers: [] });
    }
  });
});
