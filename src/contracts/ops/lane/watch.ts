import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneSelector } from '../../schemas.js';

export const laneWatchOp = defineOp({
  name: 'lane.watch',
  summary: 'Collect live app-server messages for a lane for a bounded time.',
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    lane: laneSelector,
    limit: z.number().int().min(1).max(10000).default(50).describe('Stop after this many messages.'),
    timeout: z.number().min(0).max(600).default(10).describe('Stop after this many seconds.'),
  }),
  output: z.object({
    lane: z.string(),
    events: z.array(z.object({ method: z.string(), params: z.unknown(), request_id: z.union([z.string(), z.number()]).nullable() })),
    timed_out: z.boolean(),
  }),
  errors: ['not_found', 'ambiguous'],
  examples: [{ name: 'zero timeout', input: { lane: '@alpha', timeout: 0 }, output: { events: [], timed_out: true } }],
  cli: { command: ['lane', 'watch'], positionals: ['lane'] },
});
