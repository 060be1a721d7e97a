import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { inboxItemView, laneSelector } from '../../schemas.js';

export const inboxListOp = defineOp({
  name: 'inbox.list',
  summary: 'List inbox items not yet acknowledged (all with --all).',
  group: 'inbox',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    lane: laneSelector.optional().describe('Only news about this lane.'),
    all: z.boolean().default(false).describe('Include acknowledged items.'),
    limit: z.number().int().min(1).max(10000).default(50),
  }),
  output: z.object({ items: z.array(inboxItemView) }),
  errors: ['not_found', 'ambiguous'],
  examples: [{ name: 'empty', input: {}, output: { items: [] } }],
  cli: { command: ['inbox', 'list'] },
});
