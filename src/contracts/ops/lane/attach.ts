import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneRef } from '../../schemas.js';

export const laneAttachOp = defineOp({
  name: 'lane.attach',
  summary: 'Register an existing codex thread as an observe-only lane (metadata only; never resumes it).',
  group: 'lane',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({
    thread: z.string().min(1).describe('The codex thread id.'),
    name: z.string().min(1).optional().describe('Handle to use; defaults to the thread name or its id prefix. On a thread already registered, renames its lane.'),
  }),
  output: laneRef,
  errors: ['not_found', 'conflict', 'app_server'],
  examples: [{ name: 'unknown thread', input: { thread: '00000000-0000-0000-0000-000000000000' }, error: 'app_server' }],
  cli: { command: ['lane', 'attach'], positionals: ['thread'] },
});
