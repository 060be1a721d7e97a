import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { fleetLaneView, laneRef, latestTurn } from '../../schemas.js';

export const laneListOp = defineOp({
  name: 'lane.list',
  summary: 'List the lanes dispatch manages (--fleet: every station\'s).',
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    include_archived: z.boolean().default(false).describe('Include archived lanes.'),
    fleet: z.boolean().default(false).describe("Every station's lanes: this station's from its registry, the others' from the fleet's lane directory (a station whose lease lapsed: reachable false)."),
  }),
  output: z.object({
    lanes: z.array(
      z.union([
        laneRef.extend({
          // With --fleet only: this station's name, beside the other stations' lanes.
          station: z.string().optional(),
          reachable: z.boolean().optional(),
          active_turn_id: z.string().nullable(),
          latest_turn: latestTurn.nullable(),
          total_tokens: z.number().int().describe('Tokens the lane\'s reported turns used (see `usage`).'),
          updated_at: z.string(),
          worktree_branch: z.string().nullable().describe("The branch of the lane's git worktree, if it has one."),
        }),
        fleetLaneView,
      ]),
    ),
  }),
  errors: ['fleet_unavailable'],
  examples: [
    { name: 'list', input: {}, output: {} },
    { name: 'the fleet, in no fleet', input: { fleet: true }, error: 'validation' },
  ],
  cli: { command: ['lane', 'list'] },
});
