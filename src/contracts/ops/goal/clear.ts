import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { goalOutput, laneSelector } from '../../schemas.js';

export const goalClearOp = defineOp({
  name: 'goal.clear',
  summary: "Clear a lane's native codex goal.",
  group: 'lane',
  intent: 'destroy',
  idempotent: true,
  input: z.strictObject({ lane: laneSelector }),
  output: goalOutput,
  errors: ['not_found', 'ambiguous', 'authority', 'app_server'],
  examples: [{ name: 'unknown lane', input: { lane: '@nope' }, error: 'not_found' }],
  cli: { command: ['goal', 'clear'], positionals: ['lane'] },
});
