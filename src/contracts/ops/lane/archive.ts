import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneRef, laneSelector } from '../../schemas.js';

export const laneArchiveOp = defineOp({
  name: 'lane.archive',
  summary: 'Archive a lane (reversible with restore).',
  group: 'lane',
  intent: 'destroy',
  idempotent: true,
  input: z.strictObject({ lane: laneSelector }),
  output: laneRef,
  errors: ['not_found', 'ambiguous', 'authority', 'lane_busy', 'approval_required', 'app_server'],
  examples: [{ name: 'unknown lane', input: { lane: '@nope' }, error: 'not_found' }],
  cli: { command: ['lane', 'archive'], positionals: ['lane'] },
});
