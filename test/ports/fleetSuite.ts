import { afterEach, beforeEach, expect, it } from 'vitest';
import type { StoredFact } from '../../src/core/facts.js';
import type { Fleet, FleetLane, FleetWake, Mail, NewMail } from '../../src/core/fleet.js';
import { DispatchError } from '../../src/shared/errors.js';

/** One shared fleet database; each open() is another station's connection to it. */
export interface FleetEnv {
  open(): Promise<Fleet>;
  /** Holds mail `id` locked as another transaction would (a claimer mid-claim); the returned function lets go. */
  hold(id: number): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const DEADLINE_MS = 10_000;

const mailTo = (target: string, senderRef: number, text = `message ${senderRef}`, sender = 'alpha'): NewMail => ({ sender, senderRef, target, lane: '@worker', body: { kind: 'send', mode: 'queue', text } });

const lane = (station: string, laneId: string, handle: string, extra: Partial<FleetLane> = {}): FleetLane => ({
  station,
  laneId,
  handle,
  status: 'idle',
  attention: 'idle',
  cwd: '/work/repo',
  activeTurnId: null,
  lastAgentMessage: null,
  pendingRequests: [],
  updatedAt: '2026-12-01T10:00:00.000Z',
  ...extra,
});

const fact = (seq: number, laneId = 'lane-1'): StoredFact => ({ type: 'laneRead', laneId, seq, at: new Date(Date.UTC(2026, 11, 1, 10, 0, seq)).toISOString() });

async function failure(promise: Promise<unknown>): Promise<DispatchError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!(error instanceof DispatchError)) throw new Error(`expected a DispatchError, got ${String(error)}`);
  return error;
}

/** Settles with `promise`, or fails the test once `ms` pass (a claim that blocks on a lock never settles). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Repeats `act` until `listener` has seen a wake matching `wanted`, with a deadline: a listener
 * connects asynchronously, so the first notification may come before it listens.
 */
async function untilWoken(fleet: Fleet, wanted: FleetWake, act: () => Promise<unknown>): Promise<void> {
  const seen: FleetWake[] = [];
  const subscription = fleet.listen((wake) => seen.push(wake));
  try {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      await act();
      const until = Date.now() + 200;
      while (Date.now() < until) {
        if (seen.some((w) => JSON.stringify(w) === JSON.stringify(wanted))) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (Date.now() > deadline) throw new Error(`no wake ${JSON.stringify(wanted)} within ${DEADLINE_MS} ms; saw ${JSON.stringify(seen)}`);
    }
  } finally {
    subscription.dispose();
  }
}

/** The Fleet port's contract (lane directory, mailbox, fact stream, wakes): the fake and fleet/ on PostgreSQL pass it. */
export function runFleetSuite(makeEnv: () => Promise<FleetEnv>): void {
  let env: FleetEnv;
  const opened: Fleet[] = [];
  const open = async (): Promise<Fleet> => {
    const fleet = await env.open();
    opened.push(fleet);
    return fleet;
  };

  beforeEach(async () => {
    env = await makeEnv();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((f) => f.close()));
    await env.close();
  });

  it('a post is idempotent on (sender, senderRef): the second returns the first, unchanged', async () => {
    const fleet = await open();
    const first = await fleet.post(mailTo('bravo', 1, 'first'));
    expect(first).toMatchObject({ sender: 'alpha', senderRef: 1, target: 'bravo', lane: '@worker', body: { kind: 'send', mode: 'queue', text: 'first' }, state: 'posted', receipt: null, receiptState: null, turnId: null, error: null });
    expect(first.version).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(first.createdAt))).toBe(false);
    const again = await (await open()).post(mailTo('bravo', 1, 'second'));
    expect(again).toEqual(first);
    expect(await fleet.find(first.id)).toEqual(first);
    const other = await fleet.post(mailTo('bravo', 1, 'from charlie', 'charlie'));
    expect(other.id).not.toBe(first.id);
    const answer = await fleet.post({ sender: 'alpha', senderRef: 2, target: 'bravo', lane: '@worker', body: { kind: 'respond', request: 7, decision: 'accept' } });
    expect((await fleet.find(answer.id))?.body).toEqual({ kind: 'respond', request: 7, decision: 'accept' });
    expect(await fleet.find(999_999)).toBeUndefined();
  });

  it('claims take posted mail of the station only, oldest first, up to the limit, once', async () => {
    const fleet = await open();
    const posted: Mail[] = [];
    for (let i = 1; i <= 5; i++) posted.push(await fleet.post(mailTo('bravo', i)));
    const elsewhere = await fleet.post(mailTo('charlie', 6));
    const firstTwo = await fleet.claim('bravo', 2);
    expect(firstTwo.map((m) => m.id)).toEqual(posted.slice(0, 2).map((m) => m.id));
    for (const mail of firstTwo) expect(mail.state).toBe('claimed');
    expect((await fleet.claim('bravo', 10)).map((m) => m.id)).toEqual(posted.slice(2).map((m) => m.id));
    expect(await fleet.claim('bravo', 10)).toEqual([]);
    expect((await fleet.find(elsewhere.id))?.state).toBe('posted');
  });

  it('concurrent claimers (4 × 200 mail) claim every mail exactly once', async () => {
    const poster = await open();
    const ids: number[] = [];
    for (let start = 0; start < 200; start += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, i) => poster.post(mailTo('bravo', start + i + 1))));
      ids.push(...batch.map((m) => m.id));
    }
    const claimers = await Promise.all(Array.from({ length: 4 }, () => open()));
    const claimed = await Promise.all(
      claimers.map(async (claimer) => {
        const mine: number[] = [];
        for (;;) {
          const got = await claimer.claim('bravo', 7);
          if (got.length === 0) return mine;
          mine.push(...got.map((m) => m.id));
        }
      }),
    );
    const all = claimed.flat();
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
    expect([...all].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    expect((await poster.unfinished('bravo')).map((m) => m.id)).toEqual([...ids].sort((a, b) => a - b));
  });

  it('mail another claimer holds is skipped, not waited for (SKIP LOCKED), and claimed once it is let go', async () => {
    const fleet = await open();
    const [held, ...rest] = await Promise.all([1, 2, 3].map((ref) => fleet.post(mailTo('bravo', ref))));
    if (held === undefined) throw new Error('no mail');
    const release = await env.hold(held.id);
    try {
      const got = await within(fleet.claim('bravo', 10), 3_000, 'a claim beside a held row');
      expect(got.map((m) => m.id).sort((a, b) => a - b)).toEqual(rest.map((m) => m.id).sort((a, b) => a - b));
    } finally {
      await release();
    }
    expect((await fleet.claim('bravo', 10)).map((m) => m.id)).toEqual([held.id]);
  });

  it('unfinished() lists claimed mail until a report says done', async () => {
    const fleet = await open();
    const a = await fleet.post(mailTo('bravo', 1));
    const b = await fleet.post(mailTo('bravo', 2));
    await fleet.post(mailTo('bravo', 3));
    expect(await fleet.unfinished('bravo')).toEqual([]);
    await fleet.claim('bravo', 2);
    expect((await fleet.unfinished('bravo')).map((m) => m.id)).toEqual([a.id, b.id]);
    await fleet.report(a.id, 'bravo', { receipt: 11, receiptState: 'accepted', turnId: 't1', done: false });
    expect((await fleet.unfinished('bravo')).map((m) => m.id)).toEqual([a.id, b.id]);
    await fleet.report(a.id, 'bravo', { receipt: 11, receiptState: 'completed', done: true });
    expect((await fleet.unfinished('bravo')).map((m) => m.id)).toEqual([b.id]);
    expect(await fleet.unfinished('charlie')).toEqual([]);
  });

  it('only the target station may report; a report records the receipt, bumps the version and done is final', async () => {
    const fleet = await open();
    const mail = await fleet.post(mailTo('bravo', 1));
    await fleet.claim('bravo', 1);
    const refused = await failure(fleet.report(mail.id, 'charlie', { receipt: 1, receiptState: 'accepted', done: false }));
    expect(refused.code).toBe('not_found');
    expect((await failure(fleet.report(999_999, 'bravo', { receipt: 1, receiptState: 'accepted', done: false }))).code).toBe('not_found');
    const before = await fleet.find(mail.id);
    const accepted = await fleet.report(mail.id, 'bravo', { receipt: 42, receiptState: 'accepted', turnId: 'turn-1', done: false });
    expect(accepted).toMatchObject({ state: 'claimed', receipt: 42, receiptState: 'accepted', turnId: 'turn-1', error: null });
    expect(accepted.version).toBeGreaterThan(before?.version ?? Infinity);
    // turnId and error left out keep what was reported before.
    const completed = await fleet.report(mail.id, 'bravo', { receipt: 42, receiptState: 'completed', done: true });
    expect(completed).toMatchObject({ state: 'done', receiptState: 'completed', turnId: 'turn-1', error: null });
    const late = await fleet.report(mail.id, 'bravo', { receipt: 42, receiptState: 'failed', error: 'late', done: false });
    expect(late).toMatchObject({ state: 'done', receiptState: 'failed', error: 'late' });
    expect(await fleet.find(mail.id)).toEqual(late);
  });

  it('changedSince gives a sender its mail changed after a version, oldest change first, each once at its latest', async () => {
    const sender = await open();
    const target = await open();
    const one = await sender.post(mailTo('bravo', 1));
    const two = await sender.post(mailTo('bravo', 2));
    const three = await sender.post(mailTo('bravo', 3));
    await target.post(mailTo('alpha', 1, 'the other way', 'bravo'));
    const all = await sender.changedSince('alpha', 0, 100);
    expect(all.map((m) => m.id)).toEqual([one.id, two.id, three.id]);
    await target.claim('bravo', 10);
    const reported = await target.report(one.id, 'bravo', { receipt: 5, receiptState: 'accepted', done: false });
    const after = await sender.changedSince('alpha', three.version, 100);
    expect(after.map((m) => m.id)).toEqual([two.id, three.id, one.id]);
    expect(after.at(-1)).toEqual(reported);
    const versions = after.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    expect((await sender.changedSince('alpha', three.version, 2)).map((m) => m.id)).toEqual([two.id, three.id]);
    expect(await sender.changedSince('alpha', reported.version, 100)).toEqual([]);
    expect((await sender.changedSince('bravo', 0, 100)).map((m) => m.body)).toEqual([{ kind: 'send', mode: 'queue', text: 'the other way' }]);
  });

  it("pruneMail deletes only the sender's done mail its mirror has read (version) and old enough; ids are never reused", async () => {
    const sender = await open();
    const target = await open();
    const done = await sender.post(mailTo('bravo', 1));
    const open_ = await sender.post(mailTo('bravo', 2));
    const other = await target.post(mailTo('alpha', 1, 'the other way', 'bravo'));
    await target.claim('bravo', 10);
    await target.claim('alpha', 10);
    const settled = await target.report(done.id, 'bravo', { receipt: 1, receiptState: 'completed', done: true });
    const otherSettled = await target.report(other.id, 'alpha', { receipt: 2, receiptState: 'completed', done: true });
    // Not yet read by the sender's mirror (version below), or not old enough: kept.
    expect(await sender.pruneMail('alpha', settled.version - 1, 0)).toBe(0);
    expect(await sender.pruneMail('alpha', settled.version, 60_000)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await sender.pruneMail('alpha', Number.MAX_SAFE_INTEGER, 1)).toBe(1);
    expect(await sender.find(done.id)).toBeUndefined();
    expect((await sender.find(open_.id))?.state).toBe('claimed');
    expect(await sender.find(other.id)).toEqual(otherSettled);
    const next = await sender.post(mailTo('bravo', 3));
    expect(next.id).toBeGreaterThan(Math.max(done.id, open_.id, other.id));
  });

  it('publishLanes upserts, replaceLanes makes the station hold exactly these, removeLanes removes only the named', async () => {
    const fleet = await open();
    await fleet.publishLanes('alpha', [lane('alpha', 'l1', '@one'), lane('alpha', 'l2', '@two')]);
    await fleet.publishLanes('bravo', [lane('bravo', 'l1', '@one')]);
    const busy = lane('alpha', 'l2', '@two', { status: 'busy', attention: 'working', activeTurnId: 't9', lastAgentMessage: 'on it', pendingRequests: [{ id: 3, kind: 'commandExecution', summary: 'npm test', createdAt: '2026-12-01T10:00:01.000Z' }], updatedAt: '2026-12-01T10:00:02.000Z' });
    await fleet.publishLanes('alpha', [busy]);
    expect(await fleet.listLanes({ station: 'alpha' })).toEqual([lane('alpha', 'l1', '@one'), busy]);
    await fleet.replaceLanes('alpha', [lane('alpha', 'l3', '@three', { cwd: null })]);
    expect(await fleet.listLanes({ station: 'alpha' })).toEqual([lane('alpha', 'l3', '@three', { cwd: null })]);
    await fleet.replaceLanes('alpha', []);
    expect(await fleet.listLanes({ station: 'alpha' })).toEqual([]);
    await fleet.publishLanes('alpha', [lane('alpha', 'l1', '@one'), lane('alpha', 'l2', '@two')]);
    await fleet.removeLanes('alpha', ['l1', 'nope']);
    await fleet.removeLanes('alpha', []);
    expect((await fleet.listLanes()).map((l) => [l.station, l.laneId])).toEqual([['alpha', 'l2'], ['bravo', 'l1']]);
  });

  it('listLanes orders by station, then handle; a station filter keeps that station\'s', async () => {
    const fleet = await open();
    await fleet.publishLanes('zulu', [lane('zulu', 'z1', '@b')]);
    await fleet.publishLanes('alpha', [lane('alpha', 'a1', '@zed'), lane('alpha', 'a2', '@Able'), lane('alpha', 'a3', '@able')]);
    await fleet.publishLanes('mike', [lane('mike', 'm1', '@a')]);
    expect((await fleet.listLanes()).map((l) => `${l.handle}@${l.station}`)).toEqual(['@Able@alpha', '@able@alpha', '@zed@alpha', '@a@mike', '@b@zulu']);
    expect((await fleet.listLanes({ station: 'mike' })).map((l) => l.laneId)).toEqual(['m1']);
    expect(await fleet.listLanes({ station: 'nobody' })).toEqual([]);
  });

  it('publishFacts skips a seq already there; latestFact is the highest, per station', async () => {
    const fleet = await open();
    expect(await fleet.latestFact('alpha')).toBe(0);
    await fleet.publishFacts('alpha', [fact(1), fact(2), fact(3)]);
    await fleet.publishFacts('alpha', [{ ...fact(2), laneId: 'changed' }, fact(3), fact(4), fact(5)]);
    await fleet.publishFacts('alpha', []);
    await fleet.publishFacts('bravo', [fact(1, 'other')]);
    const facts = await fleet.factsSince('alpha', 0, { limit: 100 });
    expect(facts).toEqual([1, 2, 3, 4, 5].map((seq) => ({ ...fact(seq), station: 'alpha' })));
    expect(await fleet.latestFact('alpha')).toBe(5);
    expect(await fleet.latestFact('bravo')).toBe(1);
  });

  it('factsSince filters by lanes and stops at the limit, oldest first', async () => {
    const fleet = await open();
    await fleet.publishFacts('alpha', [fact(1, 'a'), fact(2, 'b'), fact(3, 'a'), fact(4, 'c'), fact(5, 'a'), fact(6, 'b')]);
    expect((await fleet.factsSince('alpha', 0, { lanes: ['a', 'b'], limit: 100 })).map((f) => f.seq)).toEqual([1, 2, 3, 5, 6]);
    expect((await fleet.factsSince('alpha', 2, { lanes: ['a'], limit: 1 })).map((f) => f.seq)).toEqual([3]);
    expect((await fleet.factsSince('alpha', 3, { limit: 2 })).map((f) => f.seq)).toEqual([4, 5]);
    expect(await fleet.factsSince('alpha', 0, { lanes: [], limit: 100 })).toEqual([]);
    expect(await fleet.factsSince('alpha', 6, { limit: 100 })).toEqual([]);
    expect(await fleet.factsSince('bravo', 0, { limit: 100 })).toEqual([]);
  });

  it('pruneFacts keeps a station\'s newest facts and leaves other stations alone', async () => {
    const fleet = await open();
    await fleet.publishFacts('alpha', Array.from({ length: 10 }, (_, i) => fact(i + 1)));
    await fleet.publishFacts('bravo', [fact(1), fact(2)]);
    expect(await fleet.pruneFacts('alpha', 3)).toBe(7);
    expect((await fleet.factsSince('alpha', 0, { limit: 100 })).map((f) => f.seq)).toEqual([8, 9, 10]);
    expect(await fleet.latestFact('alpha')).toBe(10);
    expect(await fleet.pruneFacts('alpha', 3)).toBe(0);
    expect(await fleet.pruneFacts('alpha', 0)).toBe(3);
    expect((await fleet.factsSince('bravo', 0, { limit: 100 })).map((f) => f.seq)).toEqual([1, 2]);
  });

  it('listen wakes on new mail (the target), a report (the sender) and published facts (the station)', async () => {
    const listener = await open();
    const other = await open();
    let ref = 0;
    await untilWoken(listener, { channel: 'mail', station: 'bravo' }, () => other.post(mailTo('bravo', ++ref)));
    const mail = (await other.claim('bravo', 1))[0];
    if (mail === undefined) throw new Error('nothing to claim');
    await untilWoken(listener, { channel: 'report', sender: 'alpha' }, () => other.report(mail.id, 'bravo', { receipt: 1, receiptState: 'accepted', done: false }));
    let seq = 0;
    await untilWoken(listener, { channel: 'facts', station: 'charlie' }, () => other.publishFacts('charlie', [fact(++seq)]));
  });
}
