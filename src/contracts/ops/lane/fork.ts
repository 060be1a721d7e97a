import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneRef, laneSelector, laneWorktreeRef, turnSettingsInput } from '../../schemas.js';

export const laneForkOp = defineOp({
  name: 'lane.fork',
  summary: 'Fork a lane (its history so far) into a new owned lane.',
  group: 'lane',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({
    lane: laneSelector,
    name: z.string().min(1).describe('Name of the new lane.'),
    cwd: z.string().min(1).optional().describe("Working directory; defaults to the source lane's."),
    ...turnSettingsInput,
    ephemeral: z.boolean().default(false).describe('Do not persist the forked thread.'),
    worktree: z.boolean().default(false).describe("Give the fork its own git worktree, on a new branch from the source lane's branch."),
    branch: z.string().min(1).optional().describe('With --worktree: the new branch (default dispatch/<name>).'),
  }),
  output: laneRef.extend({ forked_from: z.string(), worktree: laneWorktreeRef.nullable() }),
  errors: ['not_found', 'ambiguous', 'authority', 'conflict', 'validation', 'app_server'],
  examples: [{ name: 'unknown source', input: { lane: '@nope', name: 'copy' }, error: 'not_found' }],
  cli: { command: ['lane', 'fork'], positionals: ['lane'] },
});
