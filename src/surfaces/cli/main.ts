import { Command } from 'commander';
import { DISPATCH_VERSION } from '../../shared/version.js';

const program = new Command('dispatch')
  .description('A local control plane for OpenAI Codex agents')
  .version(DISPATCH_VERSION, '-V, --version');

await program.parseAsync(process.argv);
