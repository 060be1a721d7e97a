import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { DELIVERY_STATES, remoteReceipt, requestView, stationName } from '../../schemas.js';

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
    station: stationName.optional().describe('The station of the request when it is another station\'s (`request list --fleet`): the answer goes there as a message.'),
  }),
  output: z.union([
    requestView,
    z.object({
      id: z.number(),
      station: z.string(),
      decision: z.string().nullable(),
      answer: z.array(z.string()).nullable(),
      receipt: remoteReceipt.describe('The answer as a message to that station (`delivery get m<N>`).'),
      state: z.enum(DELIVERY_STATES).describe('queued until that station took the answer.'),
    }),
  ]),
  errors: ['not_found', 'conflict', 'validation'],
  examples: [
    { name: 'unknown request', input: { id: 999, decision: 'accept' }, error: 'not_found' },
    { name: 'answer a question', input: { id: 999, answer: ['color=Blue'] }, error: 'not_found' },
    { name: 'another station, in no fleet', input: { id: 3, decision: 'accept', station: 'build-1' }, error: 'validation' },
  ],
  cli: { command: ['request', 'respond'], positionals: ['id', 'decision?'] },
});
