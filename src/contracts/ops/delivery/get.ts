import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { DELIVERY_STATES, SEND_MODES, deliveryView, receiptRef, remoteReceipt } from '../../schemas.js';

/** A message to another station's lane (or an answer to one of its requests), as this station's outbox keeps it. */
const remoteDeliveryView = z.object({
  receipt: remoteReceipt,
  station: z.string().describe('The target station.'),
  lane: z.string().describe('The target lane as it was named (its station resolves it); empty for an answer.'),
  kind: z.enum(['send', 'respond']).describe('send: a message; respond: an answer to a request of that station.'),
  mode: z.enum(SEND_MODES).nullable(),
  request: z.number().nullable().describe('The answered request (respond).'),
  source: z.string(),
  state: z.enum(DELIVERY_STATES).describe('The remote receipt\'s state as its station last reported it; queued until it took the message.'),
  text: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  mail: z.number().nullable().describe('The mail id in the fleet database; null while not yet posted (the database away).'),
  remote_receipt: z.number().nullable().describe('The receipt on the target station.'),
  turn_id: z.string().nullable(),
  error: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const deliveryGetOp = defineOp({
  name: 'delivery.get',
  summary: 'Show a delivery receipt: queued, submitting, accepted, completed, interrupted, failed, ambiguous or cancelled (m<N>: a message to another station and its remote receipt).',
  group: 'delivery',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({ receipt: receiptRef }),
  output: z.union([deliveryView, remoteDeliveryView]),
  errors: ['not_found'],
  examples: [
    { name: 'unknown receipt', input: { receipt: 999 }, error: 'not_found' },
    { name: 'unknown remote receipt', input: { receipt: 'm999' }, error: 'not_found' },
  ],
  cli: { command: ['delivery', 'get'], positionals: ['receipt'] },
});
