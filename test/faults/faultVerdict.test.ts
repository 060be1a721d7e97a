import { describe, expect, it } from 'vitest';
import { judgeRun, type HistoryItem, type Receipt, type SentMessage } from '../helpers/faultVerdict.js';

// The fault run's judge on hand-made histories: each check catches what it is there for.
const message = (n: number): SentMessage => ({ key: `k${n}`, lane: 'w', text: `@sim reply ack-${n}`, reply: `ack-${n}`, receipt: n });
const receipt = (n: number, state: string, extra: Partial<Receipt> = {}): Receipt => ({ receipt: n, lane: 'L', state, text: `@sim reply ack-${n}`, idempotency_key: `k${n}`, turn_id: `t${n}`, error: null, note: null, ...extra });
const turn = (n: number, replied = true, turnId = `t${n}`): HistoryItem[] => [
  { turn_id: turnId, type: 'userMessage', text: `@sim reply ack-${n}` },
  ...(replied ? [{ turn_id: turnId, type: 'agentMessage', text: `ack-${n}` }] : []),
];
const judge = (sent: SentMessage[], receipts: Receipt[], items: HistoryItem[]) => judgeRun(sent, receipts, new Map([['w', items]]), new Map([['w', 'L']]));

describe('fault run verdict', () => {
  it('passes a run whose receipts match the history', () => {
    const verdict = judge([message(1), message(2), message(3)], [receipt(1, 'completed'), receipt(2, 'failed'), receipt(3, 'ambiguous', { note: 'in flight at a crash' })], [...turn(1), ...turn(3)]);
    expect(verdict).toMatchObject({ lost: [], duplicated: [], mislabelled: [], orderViolations: [], byState: { completed: 1, failed: 1, ambiguous: 1 } });
  });

  it('finds a lost message, a doubled one and a queue left moving', () => {
    const verdict = judge([message(1), message(2), message(3)], [receipt(2, 'completed'), receipt(3, 'accepted')], [...turn(2), ...turn(2, true, 't2b'), ...turn(3, false)]);
    expect(verdict.lost.map((f) => [f.key, f.detail])).toEqual([
      ['k1', 'no receipt'],
      ['k3', 'left accepted'],
    ]);
    expect(verdict.duplicated.map((f) => f.key)).toEqual(['k2']);
  });

  it('finds receipts whose state the history contradicts, and messages out of order', () => {
    const verdict = judge(
      [message(1), message(2), message(3), message(4)],
      [receipt(1, 'failed', { error: 'dispatchd stopped during the turn' }), receipt(2, 'completed'), receipt(3, 'queued'), receipt(4, 'failed')],
      [...turn(2, false), ...turn(1), ...turn(3, false), ...turn(4, false)],
    );
    expect(verdict.mislabelled.map((f) => f.key)).toEqual(['k1', 'k2', 'k3']);
    expect(verdict.mislabelled[0]?.detail).toContain('complete reply');
    expect(verdict.failedAfterReaching.map((f) => f.key)).toEqual(['k4']);
    expect(verdict.orderViolations).toHaveLength(1);
  });
});
