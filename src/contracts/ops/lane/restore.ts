import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneRef, laneSelector, laneWorktreeRef } from '../../schemas.js';

export const laneRestoreOp = defineOp({
  name: 'lane.restore',
  summary: 'Restore an archived lane.',
  group: 'lane',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({ lane: laneSelector }),
  output: laneRef.extend({
    worktree: laneWorktreeRef.nullable(),
    worktree_recreated: z.boolean().describe('The removed worktree was made again from its branch.'),
    warnings: z.array(z.string()).describe('What could not be restored (a worktree whose branch is gone).'),
  }),
  errors: ['not_found', 'ambiguous', 'authority', 'app_server', 'conflict'],
  examples: [{ name: 'unknown lane', input: { lane: '@nope' }, error: 'not_found' }],
  cli: { command: ['lane', 'restore'], positionals: ['lane'] },
});
