import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANE_STATES, isRunningLaneState } from '../../src/contracts/schemas.js';

const SRC = path.resolve(import.meta.dirname, '../../src');
/** Generated wire types and frozen migration SQL are history, not copies. */
const EXEMPT = [path.join(SRC, 'protocol', 'generated'), path.join(SRC, 'store', 'migrations.ts')];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (EXEMPT.some((exempt) => full.startsWith(exempt))) return [];
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The src files (relative) whose text matches `pattern`. */
function filesMatching(pattern: RegExp): string[] {
  return sourceFiles(SRC)
    .filter((file) => pattern.test(readFileSync(file, 'utf8')))
    .map((file) => path.relative(SRC, file));
}

// Knowledge the review found copied; each piece has one home and everything else imports it.
describe('one source for each copied piece', () => {
  it('the plain-object check lives in shared/records.ts only', () => {
    expect(filesMatching(/typeof \w+ === 'object' && \w+ !== null && !Array\.isArray\(\w+\)/)).toEqual(['shared/records.ts']);
  });

  it('the codex settings value lists live in shared/codexSettings.ts only', () => {
    expect(filesMatching(/'read-only', 'workspace-write'/)).toEqual(['shared/codexSettings.ts']);
    expect(filesMatching(/'never', '(untrusted|on-request)'/)).toEqual(['shared/codexSettings.ts']);
    expect(filesMatching(/'none', 'friendly'/)).toEqual(['shared/codexSettings.ts']);
  });

  it('lane, delivery and request state lists and send modes live in contracts/schemas.ts only', () => {
    expect(filesMatching(/'idle', 'busy', 'waiting_approval'/)).toEqual(['contracts/schemas.ts']);
    expect(filesMatching(/'queued', 'submitting', 'accepted'/)).toEqual(['contracts/schemas.ts']);
    expect(filesMatching(/'pending', 'answered', 'expired'/)).toEqual(['contracts/schemas.ts']);
    expect(filesMatching(/'send', 'steer', 'queue'/)).toEqual(['contracts/schemas.ts']);
  });

  it('the approval request methods are mapped to their kinds in one place (codex/events.ts)', () => {
    expect(filesMatching(/'item\/commandExecution\/requestApproval': 'command'/)).toEqual(['codex/events.ts']);
  });

  it('"the lane is running a turn" is asked through one predicate', () => {
    expect(filesMatching(/status (===|!==) 'busy' (\|\||&&) \w+\.status (===|!==) 'waiting_approval'/)).toEqual([]);
    expect(LANE_STATES.filter(isRunningLaneState)).toEqual(['busy', 'waiting_approval']);
  });
});
