import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { actionAck, laneSelector } from '../../schemas.js';

export const laneCompactOp = defineOp({
  name: 'lane.compact',
  summary: "Start codex's context compaction for a lane.",
  group: 'lane',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({ lane: laneSelector }),
  output: actionAck,
  errors: ['not_found', 'ambiguous', 'authority', 'lane_busy', 'approval_required', 'app_server'],
  examples: [{ name: 'unknown lane', input: { lane: '@nope' }, error: 'not_found' }],
  cli: { command: ['lane', 'compact'], positionals: ['lane'] },
});
