import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneRef, laneSelector } from '../../schemas.js';

export const laneRenameOp = defineOp({
  name: 'lane.rename',
  summary: "Rename a lane's handle (and the codex thread name for owned lanes).",
  group: 'lane',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({ lane: laneSelector, name: z.string().min(1).describe('New handle; the @ is optional.') }),
  output: laneRef,
  errors: ['not_found', 'ambiguous', 'conflict'],
  examples: [{ name: 'rename', input: { lane: '@alpha', name: 'beta' }, output: { handle: '@beta' } }],
  cli: { command: ['lane', 'rename'], positionals: ['lane', 'name'] },
});
