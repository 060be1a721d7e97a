import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { triggerId, triggerView } from '../../schemas.js';

export const triggerPauseOp = defineOp({
  name: 'trigger.pause',
  summary: 'Pause a trigger.',
  group: 'trigger',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({ id: triggerId }),
  output: triggerView,
  errors: ['not_found'],
  examples: [{ name: 'unknown trigger', input: { id: 'nope' }, error: 'not_found' }],
  cli: { command: ['trigger', 'pause'], positionals: ['id'] },
});
