import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { deliveryView, laneSelector } from '../../schemas.js';

export const queueListOp = defineOp({
  name: 'queue.list',
  summary: 'List queued, in-flight and ambiguous deliveries (or all receipts with --all).',
  group: 'delivery',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    lane: laneSelector.optional().describe('Only this lane.'),
    all: z.boolean().default(false).describe('Include settled receipts (accepted, completed, failed, cancelled).'),
    limit: z.number().int().min(1).max(10000).default(100).describe('Receipts to return: the newest ones, listed oldest first.'),
  }),
  output: z.object({ deliveries: z.array(deliveryView) }),
  errors: ['not_found', 'ambiguous'],
  examples: [{ name: 'empty', input: {}, output: { deliveries: [] } }],
  cli: { command: ['queue', 'list'] },
});
