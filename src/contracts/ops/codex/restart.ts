import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { appServerView } from '../daemon/status.js';

// Named for what it restarts: codex (the app-server the daemon owns, `app_server` in `daemon
// status`), not the daemon, which `dispatch down && dispatch up` restarts. One word per level
// keeps the op name, the command words and the MCP action the same string.
export const codexRestartOp = defineOp({
  name: 'codex.restart',
  summary: 'Start the codex app-server now when it is failed or restarting, with a fresh restart budget (`dispatch up` does this too).',
  group: 'daemon',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({}),
  output: z.object({
    restarted: z.boolean().describe('False when the app-server was already running: it was left alone.'),
    app_server: appServerView,
  }),
  errors: ['app_server'],
  examples: [{ name: 'running: left alone', input: {}, output: { restarted: false } }],
  cli: { command: ['codex', 'restart'] },
});
