import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneRef, latestTurn } from '../../schemas.js';

export const laneListOp = defineOp({
  name: 'lane.list',
  summary: 'List the lanes dispatch manages.',
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({ include_archived: z.boolean().default(false).describe('Include archived lanes.') }),
  output: z.object({
    lanes: z.array(
      laneRef.extend({
        active_turn_id: z.string().nullable(),
        latest_turn: latestTurn.nullable(),
        total_tokens: z.number().int().describe('Tokens the lane\'s reported turns used (see `usage`).'),
        updated_at: z.string(),
        worktree_branch: z.string().nullable().describe("The branch of the lane's git worktree, if it has one."),
      }),
    ),
  }),
  errors: [],
  examples: [{ name: 'list', input: {}, output: {} }],
  cli: { command: ['lane', 'list'] },
});
