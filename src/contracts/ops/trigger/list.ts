import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { triggerView } from '../../schemas.js';

export const triggerListOp = defineOp({
  name: 'trigger.list',
  summary: 'List triggers.',
  group: 'trigger',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({}),
  output: z.object({ triggers: z.array(triggerView) }),
  errors: [],
  examples: [{ name: 'list', input: {}, output: {} }],
  cli: { command: ['trigger', 'list'] },
});
