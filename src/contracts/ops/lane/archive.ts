import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneRef, laneSelector } from '../../schemas.js';

export const laneArchiveOp = defineOp({
  name: 'lane.archive',
  summary: 'Archive a lane (reversible with restore).',
  group: 'lane',
  intent: 'destroy',
  idempotent: true,
  input: z.strictObject({
    lane: laneSelector,
    remove_worktree: z.boolean().default(false).describe("Also remove the lane's git worktree (its branch is kept; restore recreates it)."),
    force: z.boolean().default(false).describe('With --remove-worktree: remove it even with uncommitted or untracked files.'),
  }),
  output: laneRef.extend({ worktree_removed: z.boolean() }),
  errors: ['not_found', 'ambiguous', 'authority', 'lane_busy', 'approval_required', 'app_server', 'conflict'],
  examples: [{ name: 'unknown lane', input: { lane: '@nope' }, error: 'not_found' }],
  cli: { command: ['lane', 'archive'], positionals: ['lane'] },
});
