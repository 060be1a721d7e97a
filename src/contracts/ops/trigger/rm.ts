import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { triggerId } from '../../schemas.js';

export const triggerRmOp = defineOp({
  name: 'trigger.rm',
  summary: 'Remove a trigger.',
  group: 'trigger',
  intent: 'destroy',
  idempotent: true,
  input: z.strictObject({ id: triggerId }),
  output: z.object({ id: z.string(), removed: z.boolean() }),
  errors: ['not_found'],
  examples: [{ name: 'unknown trigger', input: { id: 'nope' }, error: 'not_found' }],
  cli: { command: ['trigger', 'rm'], positionals: ['id'] },
});
