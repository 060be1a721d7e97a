import { Command } from 'commander';
import { DISPATCH_VERSION } from '../shared/version.js';

const program = new Command('dispatchd')
  .description('The dispatch daemon: owns one codex app-server and the lane registry')
  .version(DISPATCH_VERSION, '-V, --version');

await program.parseAsync(process.argv);
