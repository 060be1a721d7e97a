import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneDetail, laneSelector, transcriptItem } from '../../schemas.js';

export const laneGetOp = defineOp({
  name: 'lane.get',
  summary: "Show a lane's detail: status, settings, latest turn and its error.",
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    lane: laneSelector,
    include_transcript: z.boolean().default(false).describe('Also return the last transcript items.'),
    max_items: z.number().int().min(1).max(1000).default(20).describe('Transcript items to return.'),
  }),
  output: laneDetail.extend({
    transcript: z.array(transcriptItem),
    held: z
      .object({ receipt: z.number(), reason: z.string() })
      .nullable()
      .describe("The lane's next message when capacity admission holds it back, and why; null otherwise."),
  }),
  errors: ['not_found', 'ambiguous', 'app_server'],
  examples: [{ name: 'show a lane', input: { lane: '@alpha' }, output: { handle: '@alpha', writable: true } }],
  cli: { command: ['lane', 'get'], positionals: ['lane'], aliases: [['lane', 'status']] },
});
