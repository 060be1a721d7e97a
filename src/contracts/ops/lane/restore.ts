import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneRef, laneSelector } from '../../schemas.js';

export const laneRestoreOp = defineOp({
  name: 'lane.restore',
  summary: 'Restore an archived lane.',
  group: 'lane',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({ lane: laneSelector }),
  output: laneRef,
  errors: ['not_found', 'ambiguous', 'authority', 'app_server'],
  examples: [{ name: 'unknown lane', input: { lane: '@nope' }, error: 'not_found' }],
  cli: { command: ['lane', 'restore'], positionals: ['lane'] },
});
