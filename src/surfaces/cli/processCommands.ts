import type { Command } from 'commander';
import type { OpManifest } from '../../contracts/manifest.js';
import { runDoctorProcess } from '../../client/dispatchdProcess.js';
import { stopDaemon } from '../../client/client.js';
import { hasDesktop, openInBrowser } from '../../client/openBrowser.js';
import { bringUp } from '../../client/up.js';
import { resolvePaths } from '../../control/paths.js';
import { DispatchError, ERROR_TABLE } from '../../shared/errors.js';
import { findCommand, processCommandSchema, type CommandLeaf } from './commandTree.js';
import { opForCommand } from './derive.js';
import { printResult, wantsJson } from './output.js';
import { renderDoctor } from './doctorView.js';
import { daemonClient } from './daemonConnection.js';
import { followLane } from './follow.js';

// Imported statically, since the CLI runs as one bundle: each import() becomes a chunk of its own,
// and the chunks it shares with the rest are more files every command loads. Only what pulls in
// zod or the MCP SDK (schema, mcp, demo) is loaded on demand.

/** Commands that are not ops: daemon lifecycle, MCP, schema, doctor and the demo. */
export function processCommandLeaves(manifest: OpManifest): CommandLeaf[] {
  return [
    { words: ['up'], add: addUp },
    { words: ['down'], add: addDown },
    { words: ['mcp'], add: addMcp },
    { words: ['schema'], add: (parent, root) => addSchema(parent, root, manifest), readsTree: true },
    { words: ['lane', 'follow'], add: addLaneFollow },
    { words: ['dashboard'], add: addDashboard },
    { words: ['doctor'], add: addDoctor },
    { words: ['demo'], add: addDemo },
  ];
}

function addUp(program: Command): void {
  program
    .command('up')
    .description("Start the daemon in the background, in the home's recorded mode unless one is given (no-op when it is already running).")
    .option('--simulate', 'run codex against the built-in simulated model provider (no tokens, no network)')
    .option('--real', 'run codex for real with your codex login (CODEX_HOME, default ~/.codex)')
    .option('--json', 'print JSON')
    .action(async (options: { simulate?: boolean; real?: boolean; json?: boolean }) => {
      if (options.simulate && options.real) throw new DispatchError('usage', '--simulate and --real exclude each other');
      const result = await bringUp(resolvePaths(), options.simulate ? 'simulated' : options.real ? 'real' : undefined);
      printResult(result, options.json ?? false);
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    });
}

function addDown(program: Command): void {
  program
    .command('down')
    .description('Stop the daemon and its codex app-server.')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await stopDaemon(resolvePaths());
      printResult({ status: result.stopped ? 'stopped' : 'not_running', pid: result.pid }, options.json ?? false);
    });
}

function addMcp(program: Command): void {
  program
    .command('mcp')
    .description('Serve every op as MCP tools over stdio (starts the daemon on first use).')
    .action(async () => {
      const { runMcpStdio } = await import('../mcp/server.js');
      await runMcpStdio();
    });
}

function addSchema(program: Command, root: Command, manifest: OpManifest): void {
  program
    .command('schema')
    .description('Print the input and output JSON Schema of a command or op (e.g. "lane get", send).')
    .argument('<command...>', 'command words or op name')
    .action(async (words: string[]) => {
      const text = words.join(' ');
      const entry = opForCommand(manifest, text);
      if (!entry) {
        const command = findCommand(root, words);
        if (!command) throw new DispatchError('usage', `unknown command or op for schema: ${text} (ops: ${manifest.ops.map((o) => o.name).join(', ')})`);
        process.stdout.write(`${JSON.stringify(processCommandSchema(command, text), null, 2)}\n`);
        return;
      }
      const { findOp, inputJsonSchema, outputJsonSchema } = await import('../../contracts/index.js');
      const op = findOp(entry.name);
      if (!op) throw new DispatchError('internal', `op ${entry.name} is in the manifest but not in the registry`);
      const errors = op.errors.map((code) => ({ code, exit: ERROR_TABLE[code].exit, summary: ERROR_TABLE[code].summary }));
      process.stdout.write(`${JSON.stringify({ command: text, op: op.name, summary: op.summary, intent: op.intent, errors, input: inputJsonSchema(op), output: outputJsonSchema(op) }, null, 2)}\n`);
    });
}

function addLaneFollow(laneGroup: Command): void {
  laneGroup
    .command('follow')
    .description("Stream a lane's live events (replies as they are written, commands, approvals) until Ctrl-C; `lane tail --follow` shows the recent transcript first.")
    .argument('<lane>', 'lane id, id prefix or handle')
    .option('--until-idle', 'stop when the running (or next) turn ends')
    .option('--timeout <seconds>', 'stop after this long', Number)
    .option('--json', 'print one JSON event per line')
    .action(async (lane: string, options: { untilIdle?: boolean; timeout?: number; json?: boolean }) => {
      await followLane(lane, {
        json: wantsJson(options.json ?? false),
        untilIdle: options.untilIdle ?? false,
        ...(options.timeout === undefined ? {} : { timeoutSeconds: options.timeout }),
      });
    });
}

function addDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('Print (and on a desktop, open) the URL of the web dashboard the daemon serves on 127.0.0.1: the lanes live, approvals, questions, send.')
    .option('--no-open', 'only print the URL')
    .option('--json', 'print {url, port}')
    .action(async (options: { open: boolean; json?: boolean }) => {
      const address = await (await daemonClient()).dashboard();
      const json = wantsJson(options.json ?? false);
      process.stdout.write(json ? `${JSON.stringify(address, null, 2)}\n` : `${address.url}\n`);
      // Never from a script or a test: only a person at a terminal on a desktop gets a browser.
      if (options.open && process.stdout.isTTY && hasDesktop(process.env) && !(await openInBrowser(address.url))) {
        process.stderr.write('could not start a browser; open the URL above\n');
      }
    });
}

function addDoctor(program: Command): void {
  program
    .command('doctor')
    .description('Check the codex binary and version, the home\'s mode, codex login, the daemon socket and pidfile, and the registry; exits 1 when a check fails.')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const report = await runDoctorProcess(process.env);
      if (wantsJson(options.json ?? false)) printResult(report, true);
      else process.stdout.write(`${renderDoctor(report)}\n`);
      if (!report.ok) process.exitCode = ERROR_TABLE.check_failed.exit;
    });
}

function addDemo(program: Command): void {
  program
    .command('demo')
    .description('Rehearse dispatch end to end on the simulated provider in a throwaway home: two lanes, send, queue, stop.')
    .option('--keep', 'leave the demo daemon and its home in place')
    .action(async (options: { keep?: boolean }) => {
      const { runDemo } = await import('./demo.js');
      await runDemo({ keep: options.keep ?? false });
    });
}
