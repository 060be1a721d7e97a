import { resolveLane } from '../lanes.js';
import type { Store, UsageTotals } from '../ports.js';
import { sinceInstant, sumTotals } from '../usage.js';
import type { Handler } from './types.js';

const totalsView = (t: UsageTotals) => ({
  input_tokens: t.input,
  cached_input_tokens: t.cachedInput,
  output_tokens: t.output,
  reasoning_tokens: t.reasoning,
  total_tokens: t.total,
  turns: t.turns,
});

/** One lane's usage over all its reported turns (zero before any). */
export function laneUsage(store: Store, laneId: string): ReturnType<typeof totalsView> {
  return totalsView(sumTotals(store.usage.summarize({ by: 'lane', lanes: [laneId] })));
}

/** Each lane's total tokens, in one aggregate query (lanes without usage are absent). */
export function totalTokensByLane(store: Store): Map<string, number> {
  return new Map(store.usage.summarize({ by: 'lane' }).map((row) => [row.key, row.total]));
}

/** Sums the turn usage table (never pruned) per lane or per UTC day. */
export const handleUsage: Handler<'usage'> = async (input, ctx) => {
  const since = input.since === undefined ? null : sinceInstant(input.since, ctx.clock.now());
  const lanes = input.lane?.length ? [...new Set(input.lane.map((selector) => resolveLane(ctx.store, selector).id))] : undefined;
  const rows = ctx.store.usage.summarize({ by: input.by, ...(since === null ? {} : { since }), ...(lanes ? { lanes } : {}) });
  const groups = rows.map(({ key, ...totals }) => {
    if (input.by === 'day') return { day: key, ...totalsView(totals) };
    const handle = ctx.store.lanes.find(key)?.handle;
    return { lane: key, ...(handle === undefined ? {} : { handle }), ...totalsView(totals) };
  });
  return { by: input.by, since, groups, total: totalsView(sumTotals(rows)), rate_limits: ctx.store.rateLimits.current() };
};
