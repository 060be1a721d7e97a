import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneDetail, laneSelector } from '../../schemas.js';

export const WAIT_UNTIL = ['idle', 'done', 'failed', 'needs-you'] as const;

export const laneWaitOp = defineOp({
  name: 'lane.wait',
  summary: 'Block until a lane is idle, done, failed or needs you (its attention), or the timeout passes (a `timeout` error, exit 11).',
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    lane: laneSelector,
    until: z
      .enum(WAIT_UNTIL)
      .describe('idle: no turn runs (done, failed or idle); done: a turn completed and codex will not continue (no active goal); failed: a turn failed; needs-you: an approval or question waits.'),
    timeout: z.number().min(0).max(86_400).default(600).describe('Seconds to wait at most; past it the call fails with code timeout.'),
  }),
  output: z.object({
    lane: laneDetail.describe('The lane as it was when the wait ended.'),
    until: z.enum(WAIT_UNTIL),
    reason: z.enum(['already', 'reached']).describe('already: the lane was in that state when asked; reached: it got there while waiting.'),
    fact: z.object({ seq: z.number().int(), type: z.string() }).nullable().describe('The fact that brought the lane there (read on from its seq with `events --since`); null when already.'),
    waited_seconds: z.number(),
  }),
  errors: ['not_found', 'ambiguous', 'timeout', 'cancelled'],
  examples: [
    { name: 'already idle', input: { lane: '@alpha', until: 'idle', timeout: 0 }, output: { until: 'idle', reason: 'already', fact: null } },
    { name: 'never failed', input: { lane: '@alpha', until: 'failed', timeout: 0 }, error: 'timeout' },
  ],
  cli: { command: ['lane', 'wait'], positionals: ['lane'] },
});
