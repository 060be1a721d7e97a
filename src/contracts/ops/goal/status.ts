import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { goalOutput, laneSelector } from '../../schemas.js';

export const goalStatusOp = defineOp({
  name: 'goal.status',
  summary: "Read a lane's native codex goal.",
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({ lane: laneSelector }),
  output: goalOutput,
  errors: ['not_found', 'ambiguous', 'app_server'],
  examples: [{ name: 'unknown lane', input: { lane: '@nope' }, error: 'not_found' }],
  cli: { command: ['goal', 'status'], positionals: ['lane'] },
});
