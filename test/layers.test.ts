import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAYERS } from '../layers.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const SRC_DIRS = readdirSync(new URL('../src/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** The code block of README's "## Layout" section. */
function tour(): string {
  const section = README.slice(README.indexOf('## Layout'));
  return section.slice(section.indexOf('```') + 3, section.indexOf('```', section.indexOf('```') + 3));
}

/** Every file under src/<layer>/, as paths relative to src/. */
function srcFiles(layer: string): string[] {
  return (readdirSync(new URL(`../src/${layer}/`, import.meta.url), { recursive: true }) as string[]).map((f) => `${layer}/${f}`);
}

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

  it('every file the layout tour names is in the layer it is listed under', () => {
    const block = tour().split('\n');
    let layer = '';
    const named: string[] = [];
    for (const line of block) {
      const dir = /^ {2}([a-z]+)\/ /.exec(line)?.[1];
      if (dir) layer = dir;
      else if (!line.startsWith('    ')) layer = '';
      if (!layer) continue;
      for (const [file] of line.matchAll(/[\w/]+\.ts\b/g)) named.push(`${layer}/${file}`);
    }
    expect(named.length).toBeGreaterThan(5);
    const missing = named.filter((file) => !existsSync(new URL(`../src/${file}`, import.meta.url)) && !srcFiles(file.split('/')[0] ?? '').some((f) => f.endsWith(`/${file.split('/').slice(1).join('/')}`)));
    expect(missing).toEqual([]);
  });
});
