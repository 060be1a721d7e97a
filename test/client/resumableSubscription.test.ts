import { describe, expect, it } from 'vitest';
import type { DaemonClient } from '../../src/client/client.js';
import { streamFacts } from '../../src/client/resumableSubscription.js';
import type { FeedEntry } from '../../src/control/protocol.js';
import { DispatchError } from '../../src/shared/errors.js';

/** A daemon connection that records what it was asked and lets the test push entries and close it. */
function fakeClient(latest: number) {
  const asked: Array<{ since?: number; lanes?: string[] }> = [];
  let push: (entry: FeedEntry) => void = () => undefined;
  let end: ((error: DispatchError) => void) | undefined;
  const closers: Array<() => void> = [];
  let subscribed!: () => void;
  const ready = new Promise<void>((resolve) => (subscribed = resolve));
  const client = {
    subscribe: async (options: { since?: number; lanes?: string[] }, listener: (entry: FeedEntry) => void, ended?: (error: DispatchError) => void) => {
      asked.push(options);
      push = listener;
      end = ended;
      setImmediate(subscribed);
      return { latest_seq: latest, oldest_seq: 1, missed: false, dispose: () => undefined };
    },
    onClose: (listener: () => void) => {
      closers.push(listener);
      return { dispose: () => undefined };
    },
    close: async () => undefined,
  };
  const fact = (seq: number): FeedEntry => ({ seq, at: '2026-12-01T00:00:00.000Z', event: { type: 'laneRead', laneId: 'l1' } });
  return {
    client: client as unknown as DaemonClient,
    asked,
    ready,
    send: (...seqs: number[]) => seqs.forEach((seq) => push(fact(seq))),
    drop: () => closers.forEach((close) => close()),
    letGo: (lastSeq: number) => end?.(new DispatchError('limit_exceeded', 'read too slowly', { data: { last_seq: lastSeq } })),
  };
}

// A follower's subscription outlives its connection: resumed from the last fact, each fact once.
describe('streamFacts', () => {
  it('resumes after a lost connection from the last fact delivered, says so once however many attempts fail, and drops the replayed overlap', async () => {
    const first = fakeClient(10);
    const second = fakeClient(20);
    const seen: number[] = [];
    const down: string[] = [];
    const up: string[] = [];
    const stop = new AbortController();
    let attempts = 0;
    const streamed = streamFacts(first.client, {
      lanes: ['l1'],
      since: undefined,
      signal: stop.signal,
      onEntry: (entry) => void seen.push(entry.seq ?? -1),
      onDown: (m) => void down.push(m),
      onUp: (m) => void up.push(m),
      reconnect: async () => {
        if (++attempts < 3) throw new DispatchError('daemon_unreachable', 'no daemon');
        return second.client;
      },
    });
    await first.ready;
    expect(first.asked).toEqual([{ lanes: ['l1'] }]);
    first.send(11, 12);
    first.drop();
    await second.ready;
    expect(second.asked).toEqual([{ lanes: ['l1'], since: 12 }]);
    second.send(12, 13);
    stop.abort();
    await streamed;
    expect(seen).toEqual([11, 12, 13]);
    expect(down).toEqual(['dispatchd is unreachable; reconnecting (resuming after seq 12)…']);
    expect(up).toEqual(['reconnected to dispatchd; resuming after seq 12']);
    expect(attempts).toBe(3);
  });

  it('resumes from where the log stood when nothing arrived, and after the daemon let a slow reader go', async () => {
    const first = fakeClient(10);
    const second = fakeClient(10);
    const third = fakeClient(10);
    const next = [second, third];
    const down: string[] = [];
    const stop = new AbortController();
    const streamed = streamFacts(first.client, { since: undefined, signal: stop.signal, onEntry: () => undefined, onDown: (m) => void down.push(m), onUp: () => undefined, reconnect: async () => next.shift()?.client ?? third.client });
    await first.ready;
    first.drop();
    await second.ready;
    expect(second.asked).toEqual([{ since: 10 }]);
    second.send(11);
    second.letGo(11);
    await third.ready;
    expect(third.asked).toEqual([{ since: 11 }]);
    expect(down[1]).toMatch(/ended the subscription \(read too slowly\); resuming after seq 11/);
    stop.abort();
    await streamed;
  });

  it('fails on what reconnecting cannot fix', async () => {
    const first = fakeClient(10);
    const refusing = { ...(first.client as object), subscribe: async () => Promise.reject(new DispatchError('validation', 'cursor 99 is past the log')) } as unknown as DaemonClient;
    await expect(streamFacts(refusing, { since: 99, signal: new AbortController().signal, onEntry: () => undefined, onDown: () => undefined, onUp: () => undefined })).rejects.toMatchObject({ code: 'validation' });
  });
});
