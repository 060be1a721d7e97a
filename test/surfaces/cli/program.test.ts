import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildManifest, type OpManifest } from '../../../src/contracts/manifest.js';
import type { InvokeOp } from '../../../src/surfaces/cli/derive.js';
import { buildProgram } from '../../../src/surfaces/cli/program.js';

// A command run by name builds only its own branch of the tree; whatever it prints and however it
// fails must be exactly what the whole tree would have given.

const invoke: InvokeOp = async () => undefined;

interface Outcome {
  stdout: string;
  stderr: string;
  error: string | undefined;
  exitCode: number | undefined;
}

async function outcome(program: Command, typed: string[]): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    await program.parseAsync(['node', 'dispatch', ...typed]);
    return { stdout, stderr, error: undefined, exitCode: undefined };
  } catch (error) {
    if (error instanceof CommanderError) return { stdout, stderr, error: error.code, exitCode: error.exitCode };
    return { stdout, stderr, error: String(error), exitCode: undefined };
  } finally {
    vi.restoreAllMocks();
  }
}

/** Every command path of a tree, groups included (the root is []). */
function paths(command: Command, prefix: string[] = []): string[][] {
  return [prefix, ...command.commands.flatMap((c) => paths(c, [...prefix, c.name()]))];
}

const namesOf = (command: Command): string[] => command.commands.map((c) => c.name());

describe('the CLI program built for the typed command', () => {
  let manifest: OpManifest;
  beforeAll(async () => {
    manifest = await buildManifest();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('builds only the branch a command names', () => {
    const program = buildProgram(manifest, invoke, ['node', 'dispatch', 'lane', 'list', '--json']);
    expect(namesOf(program)).toEqual(['lane']);
    expect(namesOf(program.commands[0] as Command)).toEqual(['list']);
    expect(namesOf(buildProgram(manifest, invoke, ['node', 'dispatch', 'send', 'worker', 'lane', 'list']))).toEqual(['send']);
    expect(namesOf(buildProgram(manifest, invoke, ['node', 'dispatch', 'up', '--simulate']))).toEqual(['up']);
  });

  it('builds every command for help, an unknown command, and the commands that read the tree', () => {
    const all = namesOf(buildProgram(manifest, invoke));
    expect(all).toEqual(expect.arrayContaining(['new', 'lane', 'send', 'up', 'schema', 'completion']));
    for (const typed of [[], ['--help'], ['help', 'lane'], ['lane'], ['lane', 'lsit'], ['--json', 'lane', 'list'], ['schema', 'up'], ['completion', 'bash']]) {
      expect(namesOf(buildProgram(manifest, invoke, ['node', 'dispatch', ...typed])), typed.join(' ')).toEqual(all);
    }
  });

  it('every command gives the same help and the same usage errors (and schema and completion the same output) as with the whole tree built', async () => {
    const whole = buildProgram(manifest, invoke);
    const cases = paths(whole).flatMap((words) => [[...words, '--help'], [...words, '--no-such-flag'], ...(words.length === 1 ? [[...words, 'extra', 'words', 'are', 'too', 'many']] : [])]);
    // The commands that read the tree, run for real: their output covers every command.
    cases.push(['lane', 'lsit'], ['help', 'trigger'], ['lane'], ['schema', 'up'], ['schema', 'lane', 'follow'], ['completion', 'bash'], ['completion', 'fish']);
    expect(cases.length).toBeGreaterThan(90);
    for (const typed of cases) {
      // A fresh program for each run: commander keeps what it parsed.
      const expected = await outcome(buildProgram(manifest, invoke), typed);
      const actual = await outcome(buildProgram(manifest, invoke, ['node', 'dispatch', ...typed]), typed);
      expect(actual, typed.join(' ')).toEqual(expected);
      expect(`${expected.stdout}${expected.stderr}${expected.error ?? ''}`, typed.join(' ')).not.toBe('');
    }
  });
});
