/**
 * Token usage per turn, derived from codex's `thread/tokenUsage/updated` reports (the `tokenUsage`
 * fact). codex reports two breakdowns each time: `total`, the thread's running total over all its
 * turns, and `last`, the model request just made. A turn's usage is the thread's total at its
 * latest report minus the total at the previous report the lane kept (its own earlier report, or
 * the previous turn's last one): a repeated report adds nothing, a turn of several requests counts
 * each once. With nothing to count from (the lane's first report: a forked or attached thread's
 * total holds history from before dispatch) or a total that went down (codex recounted it), the
 * report adds its `last` request only.
 */
import { DispatchError } from '../shared/errors.js';
import type { TokenCounts } from './laneEvents.js';
import type { TurnUsage, UsageTotals } from './ports.js';

export const ZERO_TOKENS: TokenCounts = { input: 0, cachedInput: 0, output: 0, reasoning: 0, total: 0 };

const COUNTS = ['input', 'cachedInput', 'output', 'reasoning', 'total'] as const;

/** One usage report of a turn, as the `tokenUsage` fact carries it. */
export interface UsageReport {
  lane: string;
  turnId: string;
  total: TokenCounts;
  last: TokenCounts;
  contextWindow: number | null;
  model: string | null;
  at: string;
  seq: number;
}

/**
 * The turn's usage after `report`. `current` is the turn's row so far, `previous` the lane's latest
 * row of another turn (read only when `current` is absent).
 */
export function turnUsageAfter(report: UsageReport, current: TurnUsage | undefined, previous: TurnUsage | undefined): TurnUsage {
  const base = current?.threadTotal ?? previous?.threadTotal;
  const added = base && COUNTS.every((k) => report.total[k] >= base[k]) ? subtract(report.total, base) : report.last;
  return {
    lane: report.lane,
    turnId: report.turnId,
    tokens: add(current?.tokens ?? ZERO_TOKENS, added),
    threadTotal: report.total,
    model: report.model ?? current?.model ?? null,
    contextWindow: report.contextWindow,
    at: report.at,
    seq: report.seq,
  };
}

function add(a: TokenCounts, b: TokenCounts): TokenCounts {
  return { input: a.input + b.input, cachedInput: a.cachedInput + b.cachedInput, output: a.output + b.output, reasoning: a.reasoning + b.reasoning, total: a.total + b.total };
}

function subtract(a: TokenCounts, b: TokenCounts): TokenCounts {
  return { input: a.input - b.input, cachedInput: a.cachedInput - b.cachedInput, output: a.output - b.output, reasoning: a.reasoning - b.reasoning, total: a.total - b.total };
}

/** Adds groups of totals into one (the grand total of a summary). */
export function sumTotals(groups: readonly UsageTotals[]): UsageTotals {
  return groups.reduce<UsageTotals>((sum, g) => ({ ...add(sum, g), turns: sum.turns + g.turns }), { ...ZERO_TOKENS, turns: 0 });
}

const RELATIVE = /^(\d{1,6})([hdw])$/;
const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The instant a `--since` names, as ISO text: a relative span back from `now` (`24h`, `7d`, `2w`),
 * an ISO date (`2026-11-01`, midnight UTC) or date and time (`2026-11-01T09:00`, UTC unless it
 * says otherwise). Anything else is a validation error naming the field.
 */
export function sinceInstant(text: string, now: Date): string {
  const trimmed = text.trim();
  const relative = RELATIVE.exec(trimmed);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]).toISOString();
  if (ISO_DATE.test(trimmed)) {
    const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(trimmed) && trimmed.length > 10;
    const ms = Date.parse(trimmed.length === 10 || hasZone ? trimmed : `${trimmed.replace(' ', 'T')}Z`);
    // Date.parse rolls over some impossible dates (2026-02-30); a round trip catches them.
    if (Number.isFinite(ms) && (hasZone || new Date(ms).toISOString().slice(0, 10) === trimmed.slice(0, 10))) {
      return new Date(ms).toISOString();
    }
  }
  throw new DispatchError('validation', `since must be an ISO date (2026-11-01), date and time (2026-11-01T09:00Z) or a span back from now (24h, 7d, 2w), not ${JSON.stringify(text)}`, {
    data: { fields: ['since'] },
  });
}
