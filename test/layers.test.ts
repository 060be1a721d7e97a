import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAYERS } from '../layers.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const SRC_DIRS = readdirSync(new URL('../src/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** README's "Layers point inward" table, read back as layers.js's shape. */
function readmeLayers(): Record<string, { imports: string[]; types?: string[] }> {
  const rows = README.split('\n').filter((line) => /^\| `[a-z]+\/` \|/.test(line));
  return Object.fromEntries(
    rows.map((row) => {
      const [layer = '', allowed = ''] = row.split('|').slice(1, 3).map((cell) => cell.trim());
      const cells = allowed === '—' ? [] : allowed.split(', ');
      const name = (cell: string): string => cell.replace(/^types of /, '').replace(/^`|\/`$/g, '');
      const types = cells.filter((cell) => cell.startsWith('types of ')).map(name);
      return [name(layer), { imports: cells.filter((cell) => !cell.startsWith('types of ')).map(name), ...(types.length > 0 ? { types } : {}) }];
    }),
  );
}

describe('the layer rules', () => {
  it("README's layer table says exactly what layers.js (and so ESLint) enforces", () => {
    expect(readmeLayers()).toEqual(LAYERS);
  });

  it('every directory of src/ is a layer, and the layout tour names each one', () => {
    expect(SRC_DIRS.sort()).toEqual(Object.keys(LAYERS).sort());
    const tour = README.slice(README.indexOf('## Layout'));
    for (const dir of SRC_DIRS) expect(tour, `src/${dir}/ in the layout tour`).toMatch(new RegExp(`\\n  ${dir}/ `));
  });
});
