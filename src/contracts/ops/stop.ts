import { z } from 'zod';
import { defineOp } from '../defineOp.js';
import { actionAck, laneSelector } from '../schemas.js';

export const stopOp = defineOp({
  name: 'stop',
  summary: "Interrupt a lane's running turn.",
  group: 'lane',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({ lane: laneSelector }),
  output: actionAck,
  errors: ['not_found', 'ambiguous', 'authority', 'validation', 'app_server'],
  examples: [{ name: 'idle lane', input: { lane: '@alpha' }, error: 'validation' }],
  cli: { command: ['stop'], positionals: ['lane?'] },
});
