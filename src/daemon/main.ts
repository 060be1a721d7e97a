import { Command } from 'commander';
import { DispatchError, toDispatchError } from '../shared/errors.js';
import { DISPATCH_VERSION } from '../shared/version.js';
import { resolvePaths } from './paths.js';
import { runDaemon } from './runtime.js';

const program = new Command('dispatchd')
  .description('The dispatch daemon: owns one codex app-server, the lane registry and the control socket')
  .version(DISPATCH_VERSION, '-V, --version');

program
  .command('run')
  .description('Run the daemon in the foreground until SIGTERM/SIGINT or `dispatch down`.')
  .option('--simulate', 'run codex against the built-in simulated model provider (no tokens, no network)')
  .action(async (options: { simulate?: boolean }) => {
    const paths = resolvePaths();
    try {
      const daemon = await runDaemon({ paths, simulate: options.simulate ?? false, logToStderr: process.stderr.isTTY });
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => void daemon.stop(signal));
      await daemon.stopped;
      process.exit(0);
    } catch (error) {
      const e = toDispatchError(error);
      process.stderr.write(`dispatchd: ${e.message}\n`);
      process.exit(e instanceof DispatchError ? e.exitCode : 1);
    }
  });

await program.parseAsync(process.argv);
