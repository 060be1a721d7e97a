import { Command } from 'commander';
import type { OpManifest } from '../../contracts/manifest.js';
import { DISPATCH_VERSION } from '../../shared/version.js';
import { addLeaves, leavesFor, type CommandLeaf } from './commandTree.js';
import { completionLeaf } from './completion.js';
import { opCommandLeaves, type InvokeOp } from './derive.js';
import { processCommandLeaves } from './processCommands.js';

/** Every command in help order: op routes (manifest order), process commands, completion. */
export function allCommandLeaves(manifest: OpManifest, invoke: InvokeOp): CommandLeaf[] {
  return [...opCommandLeaves(manifest, invoke), ...processCommandLeaves(manifest), completionLeaf];
}

/**
 * The `dispatch` program for `argv` (as process.argv: node, script, then what was typed): only the
 * branch the arguments name, or every command when they name none (see leavesFor). Without argv,
 * every command.
 */
export function buildProgram(manifest: OpManifest, invoke: InvokeOp, argv?: readonly string[]): Command {
  const program = new Command('dispatch')
    .description('A local control plane for OpenAI Codex agents: lanes, queues, triggers and approvals over codex app-server.')
    .version(DISPATCH_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const leaves = allCommandLeaves(manifest, invoke);
  addLeaves(program, argv ? leavesFor(leaves, argv.slice(2)) : leaves);
  const applyOverrides = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(applyOverrides);
  };
  applyOverrides(program);
  return program;
}
