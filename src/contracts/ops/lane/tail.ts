import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneSelector, transcriptItem } from '../../schemas.js';

export const laneTailOp = defineOp({
  name: 'lane.tail',
  summary: "Read a lane's persisted history (the last items, oldest first).",
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    lane: laneSelector,
    limit: z.number().int().min(1).max(5000).default(50).describe('Items to return.'),
  }),
  output: z.object({
    lane: z.string(),
    handle: z.string(),
    station: z.string().optional().describe('The station of a lane named NAME@STATION: its items come from the facts it published.'),
    items: z.array(transcriptItem),
  }),
  errors: ['not_found', 'ambiguous', 'app_server', 'fleet_unavailable'],
  examples: [{ name: 'unknown lane', input: { lane: '@nope' }, error: 'not_found' }],
  cli: { command: ['lane', 'tail'], positionals: ['lane'] },
});
