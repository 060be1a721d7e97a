import { describe, expect, it } from 'vitest';
import type { TokenCounts } from '../../src/core/laneEvents.js';
import type { TurnUsage } from '../../src/core/ports.js';
import { sinceInstant, sumTotals, turnUsageAfter, type UsageReport } from '../../src/core/usage.js';
import { DispatchError } from '../../src/shared/errors.js';

const counts = (input: number, output: number, cachedInput = 0, reasoning = 0): TokenCounts => ({ input, cachedInput, output, reasoning, total: input + output });

let seq = 0;
const report = (turnId: string, total: TokenCounts, last: TokenCounts): UsageReport => ({ lane: 'L', turnId, total, last, contextWindow: 1000, model: null, at: '2030-01-02T03:04:05.678Z', seq: ++seq });

/** Folds reports the way the journal does: the turn's row so far, else the lane's latest row. */
function fold(reports: UsageReport[]): Map<string, TurnUsage> {
  const rows = new Map<string, TurnUsage>();
  for (const r of reports) {
    const current = rows.get(r.turnId);
    const previous = [...rows.values()].sort((a, b) => b.seq - a.seq)[0];
    rows.set(r.turnId, turnUsageAfter(r, current, current ? undefined : previous));
  }
  return rows;
}

describe('turn usage from codex reports', () => {
  it('counts each turn as the growth of the thread total since the previous report, however many requests it made', () => {
    const rows = fold([
      report('T1', counts(100, 10), counts(100, 10)),
      report('T1', counts(250, 30, 40, 5), counts(150, 20, 40, 5)),
      report('T2', counts(450, 40, 40, 5), counts(200, 10)),
    ]);
    expect(rows.get('T1')?.tokens).toEqual(counts(250, 30, 40, 5));
    expect(rows.get('T2')?.tokens).toEqual(counts(200, 10));
    expect(rows.get('T2')?.threadTotal).toEqual(counts(450, 40, 40, 5));
  });

  it('adds nothing for a repeated report', () => {
    const rows = fold([report('T1', counts(100, 10), counts(100, 10)), report('T1', counts(100, 10), counts(100, 10))]);
    expect(rows.get('T1')?.tokens).toEqual(counts(100, 10));
  });

  it("counts only the last request of a lane's first report: a forked or attached thread's total holds older turns", () => {
    const rows = fold([report('T9', counts(5000, 500), counts(300, 20))]);
    expect(rows.get('T9')?.tokens).toEqual(counts(300, 20));
  });

  it('counts the last request when the thread total went down (codex recounted it)', () => {
    const rows = fold([report('T1', counts(900, 90), counts(900, 90)), report('T2', counts(400, 10), counts(400, 10))]);
    expect(rows.get('T2')?.tokens).toEqual(counts(400, 10));
  });

  it('sums groups into a grand total', () => {
    expect(sumTotals([{ ...counts(1, 2, 1, 1), turns: 1 }, { ...counts(10, 20), turns: 3 }])).toEqual({ ...counts(11, 22, 1, 1), turns: 4 });
    expect(sumTotals([])).toEqual({ ...counts(0, 0), turns: 0 });
  });
});

describe('since', () => {
  const now = new Date('2030-01-10T12:00:00.000Z');
  it('reads spans back from now', () => {
    expect(sinceInstant('24h', now)).toBe('2030-01-09T12:00:00.000Z');
    expect(sinceInstant('7d', now)).toBe('2030-01-03T12:00:00.000Z');
    expect(sinceInstant('2w', now)).toBe('2029-12-27T12:00:00.000Z');
  });

  it('reads ISO dates (UTC midnight) and times (UTC unless they say otherwise)', () => {
    expect(sinceInstant('2030-01-05', now)).toBe('2030-01-05T00:00:00.000Z');
    expect(sinceInstant('2030-01-05T09:30', now)).toBe('2030-01-05T09:30:00.000Z');
    expect(sinceInstant('2030-01-05T09:30:00+02:00', now)).toBe('2030-01-05T07:30:00.000Z');
  });

  it.each(['yesterday', '7', '7days', '-1d', '2030-02-30', '2030-13-01', '', '1y'])('refuses %j with a validation error naming since', (text) => {
    let thrown: unknown;
    try {
      sinceInstant(text, now);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DispatchError);
    expect(thrown).toMatchObject({ code: 'validation', data: { fields: ['since'] } });
  });
});
