import { z } from 'zod';
import { defineOp } from '../defineOp.js';
import { requestView } from '../schemas.js';

export const requestRespondOp = defineOp({
  name: 'request-respond',
  summary: 'Answer an approval request: accept, accept-for-session, decline (the agent goes on) or cancel (the turn stops).',
  group: 'request',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({
    id: z.number().int().min(1).describe('Request id from `request list`.'),
    decision: z.enum(['accept', 'accept-for-session', 'decline', 'cancel']),
  }),
  output: requestView,
  errors: ['not_found', 'conflict'],
  examples: [{ name: 'unknown request', input: { id: 999, decision: 'accept' }, error: 'not_found' }],
  cli: { command: ['request', 'respond'], positionals: ['id', 'decision'] },
});
