import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { requestView } from '../../schemas.js';

export const requestRespondOp = defineOp({
  name: 'request.respond',
  summary:
    'Answer a request. Approvals: accept, accept-for-session, decline (the agent goes on) or cancel (the turn stops). Questions: --answer VALUE (or --answer ID=VALUE per question), or decline.',
  group: 'request',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({
    id: z.number().int().min(1).describe('Request id from `request list`.'),
    decision: z
      .enum(['accept', 'accept-for-session', 'decline', 'cancel'])
      .optional()
      .describe('Required for approvals; for questions accept is implied by --answer.'),
    answer: z
      .array(z.string())
      .optional()
      .describe('For questions and forms: VALUE when there is one question or field, else ID=VALUE; repeat it per question (twice for two values).'),
  }),
  output: requestView,
  errors: ['not_found', 'conflict', 'validation'],
  examples: [
    { name: 'unknown request', input: { id: 999, decision: 'accept' }, error: 'not_found' },
    { name: 'answer a question', input: { id: 999, answer: ['color=Blue'] }, error: 'not_found' },
  ],
  cli: { command: ['request', 'respond'], positionals: ['id', 'decision?'] },
});
