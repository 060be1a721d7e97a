import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { deliveryView, receiptId } from '../../schemas.js';

export const deliveryRetryOp = defineOp({
  name: 'delivery.retry',
  summary: 'Send an interrupted or failed receipt\'s message again: queued on its lane as a new receipt (source `retry:<receipt>`).',
  group: 'delivery',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({ receipt: receiptId.describe('The interrupted or failed receipt to send again.') }),
  output: z.object({
    delivery: deliveryView.describe('The new receipt.'),
    retry_of: z.number().describe('The receipt it sends again.'),
    duplicate: z.boolean().describe('The receipt was already retried: this is that retry, nothing was queued again.'),
  }),
  errors: ['not_found', 'validation', 'authority', 'app_server'],
  examples: [{ name: 'unknown receipt', input: { receipt: 999 }, error: 'not_found' }],
  cli: { command: ['delivery', 'retry'], positionals: ['receipt'] },
});
