import { followLane } from '../helpers/laneFollow.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../src/client/client.js';
import type { FeedEntry } from '../../src/control/protocol.js';
import { pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

interface Fact {
  seq: number;
  at: string;
  type: string;
  lane: string;
  handle?: string;
  [field: string]: unknown;
}

interface EventsPage {
  events: Fact[];
  next_since: number;
  latest_seq: number;
  oldest_seq: number | null;
  missed: boolean;
}

/** Types of the facts dispatch establishes itself (the rest are what codex reported). */
const DISPATCH_FACT_TYPES = ['laneCreated', 'laneRenamed', 'laneArchived', 'laneRestored', 'laneRolledBack', 'laneRead', 'laneLost', 'turnAccepted', 'turnLost', 'deliveryChanged', 'triggerFired', 'inboxItem'];

const isIncreasing = (seqs: number[]): boolean => seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? Infinity));

// The persisted fact log, read from a cursor by `dispatch events` and by subscriptions that resume.
describe('the fact log', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  const socket = (): string => path.join(h.home, 'dispatchd.sock');
  const events = (args: string[] = []): Promise<EventsPage> => h.ok<EventsPage>(['events', '--json', ...args]);

  /** Every fact after `since` (optionally of some lanes), read page by page through `next_since`. */
  const allEvents = async (since: number, args: string[] = [], limit = 1000): Promise<Fact[]> => {
    const facts: Fact[] = [];
    let cursor = since;
    for (;;) {
      const page = await events(['--since', String(cursor), '--limit', String(limit), ...args]);
      facts.push(...page.events);
      if (page.events.length === 0 || page.next_since === cursor) return facts;
      cursor = page.next_since;
    }
  };

  /** A new lane and a first message to it: its id and the message's receipt. */
  const laneWithTurn = async (name: string, text: string): Promise<{ id: string; receipt: number }> => {
    const { id } = await h.ok<{ id: string }>(['new', '--name', name, '--prefix', '', '--no-send']);
    const { receipt } = await h.ok<{ receipt: number }>(['send', name, text]);
    return { id, receipt };
  };

  /** Polls the log until `lane`'s receipt `receipt` is settled completed: the last fact a finished send writes. */
  const deliveryCompleted = (lane: string, receipt: number): Promise<Fact[]> =>
    pollUntil(
      () => allEvents(0, ['--lane', lane]),
      (facts) => facts.some((f) => f.type === 'deliveryChanged' && f['receipt'] === receipt && f['state'] === 'completed'),
      `receipt ${receipt} completing on ${lane}`,
    );

  it('lists a new lane\'s facts in order, filters by lane, pages without gaps or repeats, and refuses a cursor past the end', { timeout: 60_000 }, async () => {
    const lane = await laneWithTurn('logged', '@sim reply logged it');
    const other = await h.ok<{ id: string }>(['new', '--name', 'bystander', '--prefix', '', '--no-send']);
    const facts = await deliveryCompleted('logged', lane.receipt);
    const types = facts.map((f) => f.type);
    for (const type of ['laneCreated', 'deliveryChanged', 'turnAccepted', 'turnStarted', 'itemCompleted', 'turnCompleted']) expect(types, type).toContain(type);
    expect(types.indexOf('laneCreated')).toBe(0);
    expect(types.indexOf('turnStarted')).toBeLessThan(types.indexOf('turnCompleted'));
    expect(facts.filter((f) => f.type === 'deliveryChanged' && f['receipt'] === lane.receipt).map((f) => f['state'])).toEqual(['submitting', 'accepted', 'completed']);
    expect(facts.find((f) => f.type === 'turnCompleted')).toMatchObject({ outcome: 'completed', lastAgentMessage: 'logged it' });
    expect(facts.every((f) => f.lane === lane.id && f.handle === '@logged' && !('laneId' in f) && typeof f.at === 'string')).toBe(true);
    expect(isIncreasing(facts.map((f) => f.seq))).toBe(true);

    // --lane filters, and takes several lanes.
    const everything = await allEvents(0);
    expect(everything.some((f) => f.lane === other.id)).toBe(true);
    expect(everything.filter((f) => f.lane === lane.id)).toEqual(facts);
    expect((await allEvents(0, ['--lane', 'bystander'])).map((f) => f.type)).toEqual(['laneCreated']);
    expect(await allEvents(0, ['--lane', 'logged', '--lane', 'bystander'])).toEqual(everything.filter((f) => f.lane === lane.id || f.lane === other.id));

    // Small pages through next_since give exactly the whole log: no fact twice, none left out.
    const paged = await allEvents(0, [], 3);
    expect(paged.map((f) => f.seq)).toEqual(everything.map((f) => f.seq));
    const first = await events(['--limit', '3']);
    expect(first).toMatchObject({ next_since: first.events[2]?.seq, missed: false, oldest_seq: 1 });
    expect(first.latest_seq).toBeGreaterThanOrEqual(everything.at(-1)?.seq ?? 0);

    // A cursor from another registry: exit 2, naming the cursor and the latest sequence number.
    const past = first.latest_seq + 1000;
    const refused = await h.run(['events', '--since', String(past), '--json']);
    expect(refused.code).toBe(2);
    const error = (JSON.parse(refused.stderr) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('validation');
    expect(error.message).toContain(String(past));
    expect(error.message).toMatch(new RegExp(`latest sequence is ${first.latest_seq}\\b`));
  });

  it('a subscription from a cursor replays exactly the facts after it, then goes live with no gap or repeat', { timeout: 120_000 }, async () => {
    // A backlog of more than one replay page (500): four lanes running 40 commands each (~130 facts a lane).
    const chatty = await Promise.all(['chatty-1', 'chatty-2', 'chatty-3', 'chatty-4'].map((name) => laneWithTurn(name, Array.from({ length: 40 }, (_, i) => `@sim shell echo ${name} step ${i}`).join('\n'))));
    await Promise.all(chatty.map((lane, i) => deliveryCompleted(`chatty-${i + 1}`, lane.receipt)));
    const since = (await events(['--limit', '1'])).oldest_seq ?? 0;
    const backlog = (await allEvents(since)).length;
    // A turn runs while the replay does: its facts land on both sides of the seam.
    await h.ok(['new', '--name', 'live', '--prefix', '', '--no-send']);
    const client = await DaemonClient.connect(socket());
    try {
      const received: FeedEntry[] = [];
      const sent = await client.call<{ receipt: number }>('send', { lane: 'live', text: Array.from({ length: 5 }, (_, i) => `@sim shell echo live ${i}`).join('\n') });
      const subscription = await client.subscribe({ since }, (entry) => received.push(entry));
      expect(subscription.missed).toBe(false);
      const settled = (entry: FeedEntry): boolean => entry.event.type === 'deliveryChanged' && entry.event.receipt === sent.receipt && entry.event.state === 'completed';
      await pollUntil(async () => received, (list) => list.some(settled), 'the live turn settling on the subscription', 60_000);
      const stored = received.filter((e) => e.seq !== null);
      const seqs = stored.map((e) => e.seq as number);
      expect(seqs[0]).toBe(since + 1);
      expect(isIncreasing(seqs)).toBe(true);
      const log = await allEvents(since);
      // Everything the log holds up to the last fact received, and nothing else: compared fact by fact.
      const upTo = log.filter((f) => f.seq <= (seqs.at(-1) ?? 0));
      expect(seqs).toEqual(upTo.map((f) => f.seq));
      expect(stored.map((e) => e.event.type)).toEqual(upTo.map((f) => f.type));
      expect(received.every((e) => typeof e.at === 'string')).toBe(true);
      expect(backlog, 'the replay spans more than one page of 500').toBeGreaterThan(500);
      // The live turn straddles the seam: its first facts came in the replay, its last ones live.
      const liveTurn = stored.filter((e) => e.event.laneId === stored.find((f) => f.event.type === 'deliveryChanged' && f.event.receipt === sent.receipt)?.event.laneId).map((e) => e.seq as number);
      expect(liveTurn.some((seq) => seq <= subscription.latest_seq)).toBe(true);
      expect(liveTurn.some((seq) => seq > subscription.latest_seq)).toBe(true);
      subscription.dispose();
    } finally {
      await client.close();
    }
  });

  it('resumes across a daemon restart from the last sequence number a client saw', { timeout: 120_000 }, async () => {
    const lane = await laneWithTurn('survivor', '@sim reply before the restart');
    let client = await DaemonClient.connect(socket());
    const before: FeedEntry[] = [];
    await client.subscribe({ since: 0 }, (entry) => before.push(entry));
    await pollUntil(async () => before, (list) => list.some((e) => e.event.type === 'deliveryChanged' && e.event.receipt === lane.receipt && e.event.state === 'completed'), 'the first turn settling');
    await client.close();
    const lastSeen = Math.max(...before.map((e) => e.seq ?? 0));

    expect(await h.ok(['down'])).toMatchObject({ status: 'stopped' });
    const up = await h.run(['up', '--simulate', '--json']);
    expect(up.code, up.stderr).toBe(0);

    client = await DaemonClient.connect(socket());
    try {
      const after: FeedEntry[] = [];
      const resumed = await client.subscribe({ since: lastSeen }, (entry) => after.push(entry));
      expect(resumed.missed).toBe(false);
      const sent = await client.call<{ receipt: number }>('send', { lane: 'survivor', text: '@sim reply after the restart' });
      await pollUntil(async () => after, (list) => list.some((e) => e.event.type === 'deliveryChanged' && e.event.receipt === sent.receipt && e.event.state === 'completed'), 'the turn after the restart settling', 60_000);
      const seqs = after.filter((e) => e.seq !== null).map((e) => e.seq as number);
      expect(seqs.every((seq) => seq > lastSeen)).toBe(true);
      expect(isIncreasing(seqs)).toBe(true);
      const log = await allEvents(lastSeen);
      expect(seqs).toEqual(log.filter((f) => f.seq <= (seqs.at(-1) ?? 0)).map((f) => f.seq));
      const completed = after.find((e) => e.event.type === 'turnCompleted' && e.event.laneId === lane.id);
      expect(completed?.event).toMatchObject({ lastAgentMessage: 'after the restart' });
    } finally {
      await client.close();
    }
  });

  it('folds attention from the facts: done-unread after a turn, idle once the tail is read, needs-you on a question', { timeout: 60_000 }, async () => {
    const lane = await laneWithTurn('attentive', '@sim reply read me');
    await deliveryCompleted('attentive', lane.receipt);
    expect((await h.ok(['lane', 'get', 'attentive', '--json']))['attention']).toBe('done-unread');
    await h.ok(['lane', 'tail', 'attentive', '--json']);
    expect((await h.ok(['lane', 'get', 'attentive', '--json']))['attention']).toBe('idle');
    expect((await allEvents(0, ['--lane', 'attentive'])).at(-1)?.type).toBe('laneRead');
    await h.ok(['send', 'attentive', '@sim ask color: Which color? | Red | Blue']);
    await waitForLane(h, 'attentive', (l) => l['attention'] === 'needs-you', 20_000);
  });

  it('lane follow --json prints only what codex reported, none of dispatch\'s own facts', { timeout: 60_000 }, async () => {
    await h.ok(['new', '--name', 'watched', '--prefix', '', '--no-send']);
    const follow = await followLane(h, 'watched');
    await h.ok(['send', 'watched', '@sim reply followed']);
    expect(await follow.exited, follow.stderr()).toBe(0);
    const types = follow.stdout().trim().split('\n').map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types.filter((type) => DISPATCH_FACT_TYPES.includes(type))).toEqual([]);
  });
});
