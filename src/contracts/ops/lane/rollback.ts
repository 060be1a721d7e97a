import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneRef, laneSelector } from '../../schemas.js';

export const laneRollbackOp = defineOp({
  name: 'lane.rollback',
  summary: 'Drop the last turns from a lane\'s persisted history (files on disk are not reverted).',
  group: 'lane',
  intent: 'destroy',
  idempotent: false,
  input: z.strictObject({ lane: laneSelector, turns: z.number().int().min(1).default(1).describe('How many of the latest turns to drop.') }),
  output: laneRef.extend({ dropped_turns: z.number(), remaining_turns: z.number() }),
  errors: ['not_found', 'ambiguous', 'authority', 'lane_busy', 'approval_required', 'validation', 'app_server'],
  examples: [{ name: 'unknown lane', input: { lane: '@nope' }, error: 'not_found' }],
  cli: { command: ['lane', 'rollback'], positionals: ['lane'] },
});
