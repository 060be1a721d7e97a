import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { inboxItemView } from '../../schemas.js';

export const inboxAckOp = defineOp({
  name: 'inbox.ack',
  summary: 'Acknowledge an inbox item: it is handled and leaves the inbox.',
  group: 'inbox',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({ id: z.number().int().min(1) }),
  output: inboxItemView,
  errors: ['not_found'],
  examples: [{ name: 'unknown item', input: { id: 999 }, error: 'not_found' }],
  cli: { command: ['inbox', 'ack'], positionals: ['id'] },
});
