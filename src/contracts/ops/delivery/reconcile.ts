import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { deliveryView, receiptId } from '../../schemas.js';

export const deliveryReconcileOp = defineOp({
  name: 'delivery.reconcile',
  summary: "Settle an ambiguous, failed or interrupted receipt from the thread's history (check), or release an ambiguous one to be sent again, or cancel it.",
  group: 'delivery',
  intent: 'write',
  idempotent: true,
  input: z.strictObject({
    receipt: receiptId,
    action: z
      .enum(['check', 'release', 'cancel'])
      .default('check')
      .describe('check: look for its exact client id in the history; release: queue it again; cancel: drop it.'),
  }),
  output: z.object({ delivery: deliveryView, settled: z.boolean(), evidence: z.string() }),
  errors: ['not_found', 'validation', 'app_server'],
  examples: [{ name: 'unknown receipt', input: { receipt: 999 }, error: 'not_found' }],
  cli: { command: ['delivery', 'reconcile'], positionals: ['receipt'] },
});
