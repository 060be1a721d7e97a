import { z } from 'zod';
import { defineOp } from '../defineOp.js';
import { laneSelector, rateLimitWindowView } from '../schemas.js';

/** Token counts summed over turns: cached is part of input, reasoning part of output. */
export const usageTotals = z.object({
  input_tokens: z.number().int(),
  cached_input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  reasoning_tokens: z.number().int(),
  total_tokens: z.number().int(),
  turns: z.number().int().describe('Turns counted.'),
});

export const usageOp = defineOp({
  name: 'usage',
  summary: "Show token usage: totals per lane or per day over the turns codex reported, a grand total, and the account's rate-limit windows.",
  group: 'daemon',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    lane: z.array(laneSelector).optional().describe('Only these lanes.'),
    since: z.string().optional().describe('Only turns reported at or after this: an ISO date or time (2026-11-01, 2026-11-01T09:00Z) or a span back from now (24h, 7d, 2w).'),
    by: z.enum(['lane', 'day']).default('lane').describe('Group per lane or per UTC day.'),
  }),
  output: z.object({
    by: z.enum(['lane', 'day']),
    since: z.string().nullable().describe('The instant counted from (null: all kept usage).'),
    groups: z.array(
      usageTotals.extend({
        lane: z.string().optional().describe('The lane id (by lane).'),
        handle: z.string().optional().describe("The lane's current handle (by lane)."),
        day: z.string().optional().describe('The UTC day, YYYY-MM-DD (by day).'),
      }),
    ),
    total: usageTotals,
    rate_limits: z.array(rateLimitWindowView).describe("The account's rate-limit windows as codex last reported them (empty until it reports one)."),
  }),
  errors: ['not_found', 'ambiguous'],
  examples: [
    { name: 'per lane', input: {}, output: { by: 'lane', since: null, groups: [] } },
    { name: 'the last week per day', input: { since: '7d', by: 'day' }, output: { by: 'day' } },
    { name: 'a since that is no date', input: { since: 'yesterday' }, error: 'validation' },
  ],
  cli: { command: ['usage'] },
});
