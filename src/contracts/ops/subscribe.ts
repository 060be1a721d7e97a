import { z } from 'zod';
import { defineOp } from '../defineOp.js';
import { laneSelector, subscriptionWhen, triggerView } from '../schemas.js';

export const subscribeOp = defineOp({
  name: 'subscribe',
  summary: 'Be told when a worker lane is done, fails or needs attention: as a message to a lane, or in the inbox.',
  group: 'inbox',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({
    worker: laneSelector.describe('The lane to watch.'),
    when: subscriptionWhen.default('done'),
    to: z.string().min(1).default('inbox').describe('A lane to wake with the news, or "inbox".'),
    once: z.boolean().default(false).describe('Unsubscribe after the first notification.'),
    text: z.string().min(1).optional().describe('Message template ({{handle}}, {{last_message}}, {{event}} …); a sensible default otherwise.'),
  }),
  output: triggerView,
  errors: ['not_found', 'validation', 'ambiguous', 'authority', 'fleet_unavailable'],
  examples: [{ name: 'to the inbox', input: { worker: '@alpha' }, output: { when: 'lane_done', action: 'inbox' } }],
  cli: { command: ['subscribe'], positionals: ['worker'] },
});
