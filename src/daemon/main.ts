import { Command } from 'commander';
import { DispatchError, toDispatchError } from '../shared/errors.js';
import { DISPATCH_VERSION } from '../shared/version.js';
import { resolvePaths } from '../control/paths.js';
import { runDoctor } from './doctor.js';
import { runDaemon } from './runtime.js';
import { START_FAILURE_PREFIX } from '../control/protocol.js';

const program = new Command('dispatchd')
  .description('The dispatch daemon: owns one codex app-server, the lane registry and the control socket')
  .version(DISPATCH_VERSION, '-V, --version');

program
  .command('run')
  .description('Run the daemon in the foreground until SIGTERM/SIGINT or `dispatch down`.')
  .option('--simulate', 'run codex against the built-in simulated model provider (no tokens, no network)')
  .option('--real', 'run codex for real (your codex login); without either flag the home keeps its recorded mode')
  .action(async (options: { simulate?: boolean; real?: boolean }) => {
    const paths = resolvePaths();
    try {
      if (options.simulate && options.real) throw new DispatchError('usage', '--simulate and --real exclude each other');
      const mode = options.simulate ? 'simulated' : options.real ? 'real' : undefined;
      const daemon = await runDaemon({ paths, ...(mode ? { mode } : {}), logToStderr: process.stderr.isTTY });
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => void daemon.stop(signal));
      await daemon.stopped;
      process.exit(0);
    } catch (error) {
      const e = toDispatchError(error);
      // One machine-readable line the starting `dispatch up` reads back (see startDaemon), after the human one.
      process.stderr.write(`dispatchd: ${e.message}\n${START_FAILURE_PREFIX}${JSON.stringify(e.toJSON())}\n`);
      process.exit(e.exitCode);
    }
  });

program
  .command('doctor')
  .description('Check the home, codex and the registry; prints the report as JSON (`dispatch doctor` renders it).')
  .action(async () => {
    const report = await runDoctor(resolvePaths());
    process.stdout.write(`${JSON.stringify(report)}\n`);
  });

await program.parseAsync(process.argv);
