import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneSelector } from '../../schemas.js';

export const laneReadOp = defineOp({
  name: 'lane.read',
  summary: "Mark lanes read without reading them: a finished turn no longer shows as done-unread (as `lane tail` does).",
  group: 'lane',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({ lane: z.array(laneSelector).min(1).describe('The lanes to mark read.') }),
  output: z.object({
    lanes: z.array(z.object({ lane: z.string().describe('Lane id.'), handle: z.string(), was_unread: z.boolean().describe('It was done-unread until now.') })),
  }),
  errors: ['not_found', 'ambiguous'],
  examples: [
    { name: 'already read', input: { lane: ['@alpha'] } },
    { name: 'unknown lane', input: { lane: ['@nope'] }, error: 'not_found' },
  ],
  cli: { command: ['lane', 'read'], positionals: ['lane...'] },
});
