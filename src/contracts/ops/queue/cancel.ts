import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { deliveryView, receiptId } from '../../schemas.js';

export const queueCancelOp = defineOp({
  name: 'queue.cancel',
  summary: 'Cancel a queued (not yet sent) or ambiguous delivery.',
  group: 'delivery',
  intent: 'destroy',
  idempotent: true,
  input: z.strictObject({ receipt: receiptId }),
  output: deliveryView,
  errors: ['not_found', 'validation'],
  examples: [{ name: 'unknown receipt', input: { receipt: 999 }, error: 'not_found' }],
  cli: { command: ['queue', 'cancel'], positionals: ['receipt'] },
});
