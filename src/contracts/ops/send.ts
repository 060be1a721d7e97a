import { z } from 'zod';
import { defineOp } from '../defineOp.js';
import { DELIVERY_STATES, SEND_MODES, actionAck, laneSelector, messageText, remoteReceipt } from '../schemas.js';

export const sendOp = defineOp({
  name: 'send',
  summary: 'Send, steer, queue, interject, or inject context into a lane.',
  group: 'lane',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({
    lane: laneSelector,
    text: messageText.describe('The message (`-` on the CLI reads stdin; or use --text-file).'),
    mode: z
      .enum(SEND_MODES)
      .default('send')
      .describe(
        'send starts a turn (refused with lane_busy while one runs); steer adds to the running turn; queue delivers at the next idle transition; interject stops the running turn and starts this one; context adds model-visible context without starting a turn.',
      ),
    idempotency_key: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Retry-safe key: the same key and message return the same receipt instead of sending again; the same key with another message is a conflict.'),
  }),
  output: actionAck.extend({
    receipt: z.union([z.number(), remoteReceipt]).describe('Delivery receipt id (see `dispatch delivery get`); m<N> for a lane of another station (NAME@STATION), whose station delivers it.'),
    station: z.string().optional().describe('The station of a lane named NAME@STATION; absent for a lane of this station.'),
    state: z.enum(DELIVERY_STATES).describe('`queued` for a send over capacity ([capacity] in config.toml): held, not refused; `detail` says why, and it starts by itself. A message to another station is `queued` until its station takes it.'),
    duplicate: z.boolean().describe('The idempotency key matched an earlier identical request; nothing was sent again.'),
    pending: z.number().nullable().describe('Queued deliveries still waiting on the lane (queue mode).'),
  }),
  errors: ['not_found', 'ambiguous', 'authority', 'lane_busy', 'validation', 'approval_required', 'conflict', 'app_server'],
  examples: [
    { name: 'unknown lane', input: { lane: '@nope', text: 'hi' }, error: 'not_found' },
    { name: 'steer with no running turn', input: { lane: '@alpha', text: 'hi', mode: 'steer' }, error: 'validation' },
    { name: 'a lane of another station, in no fleet', input: { lane: 'worker@build-1', text: 'hi' }, error: 'validation' },
  ],
  cli: { command: ['send'], positionals: ['lane', 'text?'] },
});
