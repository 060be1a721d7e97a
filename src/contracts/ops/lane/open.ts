import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneRef } from '../../schemas.js';

export const laneOpenOp = defineOp({
  name: 'lane.open',
  summary: 'Open a new owned lane with default settings (no config, no first message).',
  group: 'lane',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({
    name: z.string().min(1).describe('Lane name; becomes the @handle.'),
    cwd: z.string().min(1).optional().describe("Working directory (relative paths resolve against the caller's cwd)."),
  }),
  output: laneRef,
  errors: ['conflict', 'app_server'],
  examples: [{ name: 'open a lane', input: { name: 'beta' }, output: { handle: '@beta', source: 'own', status: 'idle' } }],
  // MCP-only primitive, as in 0.1.0: people use `dispatch new --no-send`.
  cli: null,
});
