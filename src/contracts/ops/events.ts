import { z } from 'zod';
import { defineOp } from '../defineOp.js';
import { laneSelector } from '../schemas.js';

/** One fact of the log: its place, time, type and lane are fixed; the rest are the fields of its type. */
const factView = z.looseObject({
  seq: z.number().int().describe('The fact\'s place in the log (strictly increasing).'),
  at: z.string().describe('When it was appended.'),
  type: z.string().describe('What happened: laneCreated, turnAccepted, deliveryChanged, turnStarted, itemCompleted, turnCompleted, …'),
  lane: z.string().describe('The lane id.'),
  handle: z.string().optional().describe('The lane\'s current handle.'),
});

export const eventsOp = defineOp({
  name: 'events',
  summary: 'Read the fact log from a cursor: what happened on the lanes after --since, oldest first.',
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    since: z.number().int().min(0).default(0).describe('Facts after this sequence number (0: from the oldest kept); pass the last next_since to read on.'),
    lane: z.array(laneSelector).optional().describe('Only these lanes.'),
    limit: z.number().int().min(1).max(1000).default(100).describe('Facts to return at most.'),
  }),
  output: z.object({
    events: z.array(factView),
    next_since: z.number().int().describe('The cursor to pass as --since next time.'),
    latest_seq: z.number().int().describe('The log\'s latest sequence number.'),
    oldest_seq: z.number().int().nullable().describe('The oldest sequence number still kept (null: the log is empty).'),
    missed: z.boolean().describe('True when facts after since were already pruned: the events start at oldest_seq.'),
  }),
  errors: ['not_found', 'ambiguous'],
  examples: [
    { name: 'from the start', input: {}, output: { missed: false } },
    { name: 'past the end', input: { since: 987654 }, error: 'validation' },
  ],
  cli: { command: ['events'] },
});
