import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { deliveryView, receiptId } from '../../schemas.js';

export const queueReleaseOp = defineOp({
  name: 'queue.release',
  summary: 'Start a receipt capacity admission holds back now, past the limits (busy lanes, rate-limit windows).',
  group: 'delivery',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({ receipt: receiptId }),
  output: deliveryView,
  errors: ['not_found', 'validation', 'app_server'],
  examples: [{ name: 'unknown receipt', input: { receipt: 999 }, error: 'not_found' }],
  cli: { command: ['queue', 'release'], positionals: ['receipt'] },
});
