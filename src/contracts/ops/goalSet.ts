import { z } from 'zod';
import { defineOp } from '../defineOp.js';
import { goalOutput, laneSelector } from '../schemas.js';

export const goalSetOp = defineOp({
  name: 'goal-set',
  summary: "Set or update a lane's native codex goal.",
  group: 'lane',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({
    lane: laneSelector,
    objective: z.string().min(1).optional().describe('What the lane should achieve (required to create a goal).'),
    status: z.enum(['active', 'paused', 'blocked', 'usageLimited', 'budgetLimited', 'complete']).optional(),
    token_budget: z.number().int().min(1).optional().describe('Token budget for the goal.'),
  }),
  output: goalOutput,
  errors: ['not_found', 'authority', 'validation', 'app_server'],
  examples: [{ name: 'nothing to set', input: { lane: '@alpha' }, error: 'validation' }],
  cli: { command: ['goal', 'set'], positionals: ['lane', 'objective?'] },
});
