import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { deliveryView, receiptId } from '../../schemas.js';

export const deliveryGetOp = defineOp({
  name: 'delivery.get',
  summary: 'Show a delivery receipt: queued, submitting, accepted, completed, interrupted, failed, ambiguous or cancelled.',
  group: 'delivery',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({ receipt: receiptId }),
  output: deliveryView,
  errors: ['not_found'],
  examples: [{ name: 'unknown receipt', input: { receipt: 999 }, error: 'not_found' }],
  cli: { command: ['delivery', 'get'], positionals: ['receipt'] },
});
