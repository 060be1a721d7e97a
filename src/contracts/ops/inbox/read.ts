import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { inboxItemView } from '../../schemas.js';

export const inboxReadOp = defineOp({
  name: 'inbox.read',
  summary: 'Read an inbox item (marks it read; it stays until acknowledged).',
  group: 'inbox',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({ id: z.number().int().min(1) }),
  output: inboxItemView,
  errors: ['not_found'],
  examples: [{ name: 'unknown item', input: { id: 999 }, error: 'not_found' }],
  cli: { command: ['inbox', 'read'], positionals: ['id'] },
});
