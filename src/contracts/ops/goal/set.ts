import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { goalOutput, laneSelector } from '../../schemas.js';

export const goalSetOp = defineOp({
  name: 'goal.set',
  summary: "Set or update a lane's native codex goal: codex then keeps working on it by itself, turn after turn, until it is complete, paused or out of budget.",
  group: 'lane',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({
    lane: laneSelector,
    objective: z.string().min(1).optional().describe('What the lane should achieve (required to create a goal).'),
    status: z.enum(['active', 'paused', 'blocked', 'usageLimited', 'budgetLimited', 'complete']).optional(),
    token_budget: z.number().int().min(1).optional().describe('Tokens the goal may use; codex stops continuing (status budgetLimited) once it has used them.'),
  }),
  output: goalOutput.extend({ note: z.string().nullable().describe('What codex will do now: while the goal is active it keeps starting turns on its own.') }),
  errors: ['not_found', 'ambiguous', 'authority', 'validation', 'app_server'],
  examples: [{ name: 'nothing to set', input: { lane: '@alpha' }, error: 'validation' }],
  cli: { command: ['goal', 'set'], positionals: ['lane', 'objective?'] },
});
