import { z } from 'zod';
import { defineOp } from '../../defineOp.js';

export const laneDiscoverOp = defineOp({
  name: 'lane.discover',
  summary: 'List persisted codex threads you could attach (distinct from the roster).',
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    limit: z.number().int().min(1).max(1000).default(50).describe('Threads to return.'),
    cursor: z.string().optional().describe('Continue from a previous page.'),
    archived: z.boolean().default(false).describe('List archived threads instead.'),
  }),
  output: z.object({
    sessions: z.array(
      z.object({
        id: z.string(),
        name: z.string().nullable(),
        preview: z.string(),
        cwd: z.string(),
        status: z.string(),
        source: z.string(),
        managed: z.boolean().describe('Already a dispatch lane.'),
        updated_at: z.number(),
      }),
    ),
    next_cursor: z.string().nullable(),
  }),
  errors: ['app_server'],
  examples: [{ name: 'first page', input: { limit: 10 }, output: {} }],
  cli: { command: ['lane', 'discover'] },
});
