import { CommanderError, type Command } from 'commander';
import { DispatchError, ERROR_TABLE, toDispatchError } from '../../shared/errors.js';
import { withCommands } from './attentionView.js';
import { errorHint } from './errorHint.js';
import { loadManifest } from '../../contracts/manifest.js';
import { closeDaemonClient, daemonClient } from './daemonConnection.js';
import type { InvokeOp } from './derive.js';
import { withHandles } from './handles.js';
import { buildProgram } from './program.js';
import { printResult, wantsJson } from './output.js';
import { red } from './render.js';

async function confirm(question: string): Promise<boolean> {
  // Loaded only when a person is asked: most commands never prompt.
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

const invoke: InvokeOp = async (op, input, options) => {
  // Prompts only with a person at a terminal; scripts and agents are never blocked on stdin.
  if (options.intent === 'destroy' && !options.yes && process.stdin.isTTY && process.stderr.isTTY) {
    const target = typeof input['lane'] === 'string' ? ` on ${input['lane']}` : typeof input['id'] === 'string' ? ` on ${input['id']}` : '';
    if (!(await confirm(`Run ${op}${target}?`))) throw new DispatchError('cancelled', 'aborted');
  }
  const client = await daemonClient();
  const result = await client.call(op, input, { cwd: process.cwd() });
  const laneHandles = async (): Promise<Map<string, string>> => {
    const { lanes } = await client.call<{ lanes: Array<{ id: string; handle: string }> }>('lane.list', { include_archived: true });
    return new Map(lanes.map((lane) => [lane.id, lane.handle]));
  };
  // What to do about each item, as the commands of this CLI (core names the ops, the surface phrases them).
  const shown = op === 'attention' ? withCommands(result, await loadManifest()) : result;
  printResult(wantsJson(options.json) ? shown : await withHandles(shown, laneHandles), options.json, op);
};

function silenceUsageErrors(command: Command): void {
  command.configureOutput({ outputError: () => undefined, writeErr: () => undefined });
  command.commands.forEach(silenceUsageErrors);
}

function reportError(error: unknown, json: boolean): number {
  const e = toDispatchError(error);
  if (wantsJson(json)) process.stderr.write(`${JSON.stringify({ error: e.toJSON() })}\n`);
  else process.stderr.write(`${red('dispatch:')} ${e.message}${errorHint(e)}\n`);
  return e.exitCode;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram(await loadManifest(), invoke, argv);
  const json = argv.includes('--json');
  // With --json a usage error is one JSON line like every other error, not commander's prose.
  if (wantsJson(json)) silenceUsageErrors(program);
  try {
    await program.parseAsync(argv);
    // A command that printed its result but failed (doctor with a failing check) sets exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      if (error.exitCode === 0) return 0;
      // Without --json commander already printed its message; usage errors exit 2 like every validation error.
      if (wantsJson(json)) return reportError(new DispatchError('usage', error.message.replace(/^error: /, '')), json);
      return ERROR_TABLE.usage.exit;
    }
    return reportError(error, json);
  } finally {
    await closeDaemonClient();
  }
}

// No top-level await: the bundle is CommonJS (scripts/bundleCli.ts), which node loads faster.
// Exit once output is flushed: a lingering handle must never keep a finished command alive.
void main(process.argv).then((code) => process.stdout.write('', () => process.exit(code)));
