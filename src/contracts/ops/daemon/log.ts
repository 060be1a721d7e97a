import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneSelector } from '../../schemas.js';

export const daemonLogOp = defineOp({
  name: 'daemon.log',
  summary: 'Show the audit log of every write, newest first.',
  group: 'daemon',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    limit: z.number().int().min(1).max(10000).default(20).describe('Entries to return.'),
    lane: laneSelector.optional().describe('Only entries for this lane.'),
  }),
  output: z.object({
    actions: z.array(
      z.object({
        id: z.number(),
        ts: z.string(),
        op: z.string(),
        lane: z.string().nullable(),
        trigger_id: z.string().nullable(),
        detail: z.string().nullable(),
        outcome: z.string(),
      }),
    ),
  }),
  errors: ['not_found', 'ambiguous'],
  examples: [{ name: 'latest', input: { limit: 5 }, output: {} }],
  cli: { command: ['daemon', 'log'] },
});
