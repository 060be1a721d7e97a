import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = path.resolve(import.meta.dirname, '../../src/core');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The code of a file without its comments (comments may explain codex's behaviour in its words). */
function codeOf(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function offenders(pattern: RegExp): string[] {
  return sourcesUnder(CORE).flatMap((file) =>
    codeOf(file)
      .split('\n')
      .filter((line) => pattern.test(line))
      .map((line) => `${path.relative(CORE, file)}: ${line.trim()}`),
  );
}

// core/ speaks in typed errors and structured data: codex/ recognizes codex's words, surfaces phrase hints.
describe('core boundary', () => {
  it('matches none of codex error strings', () => {
    expect(offenders(/no rollout found|thread not found|no active turn/i)).toEqual([]);
  });

  it('names none of the CLI send-mode, trigger or answer flags', () => {
    expect(offenders(/--(steer|queue|interject|context|seconds|cron|timezone|answer)\b/)).toEqual([]);
  });
});
