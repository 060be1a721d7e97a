import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PgFleet } from '../../src/fleet/pgFleet.js';
import { openPgFleet } from '../../src/fleet/pgFleet.js';
import { pollUntil, readRequestLog } from '../helpers/dispatchHarness.js';
import { isGone, startStation, type TestStation } from '../helpers/fleetHarness.js';
import { createTestDatabase } from '../helpers/postgres.js';

type Receipt = { receipt: number; lane: string; source: string; state: string; text: string; idempotency_key: string | null; turn_id: string | null };
/** The sender's receipt m<N> as `delivery get m<N>` shows it: the remote receipt, its state, turn and error. */
type RemoteDelivery = { receipt: string; station: string; state: string; mail: number | null; remote_receipt: number | null; turn_id: string | null; error: string | null };

const receiptsOf = async (station: TestStation): Promise<Receipt[]> => (await station.ok<{ deliveries: Receipt[] }>(['queue', 'list', '--all'])).deliveries;
/** `dispatch send LANE@STATION TEXT` on the sender: answered at once, `queued`, with its receipt m<N>. */
async function sendRemote(from: TestStation, lane: string, text: string, mode = 'send'): Promise<string> {
  const sent = await from.ok<{ receipt: string; state: string }>(['send', lane, text, '--mode', mode]);
  expect(sent.state).toBe('queued');
  expect(sent.receipt).toMatch(/^m\d+$/);
  return sent.receipt;
}
const delivery = (station: TestStation, receipt: string): Promise<RemoteDelivery> => station.ok<RemoteDelivery>(['delivery', 'get', receipt]);
const modelSaw = (station: TestStation, text: string): number => readRequestLog(station.home).filter((r) => r.lastUserText === text).length;

// Two real stations (homes, daemons, app-servers on the simulated provider) on one PostgreSQL database.
describe('mail between stations', () => {
  let url: string;
  let db: PgFleet;
  const stations: TestStation[] = [];
  const station = async (name: string, daemonEnv?: NodeJS.ProcessEnv): Promise<TestStation> => {
    const s = await startStation(name, url, daemonEnv ? { daemonEnv } : {});
    stations.push(s);
    return s;
  };
  beforeAll(async () => {
    url = await createTestDatabase();
    db = await openPgFleet(url);
  });
  afterEach(async () => {
    for (const s of stations.splice(0)) await s.close();
  });
  afterAll(async () => db?.close());

  it("a's message for worker@b is delivered by b's ledger, and a's outbox shows b's receipt completed", async () => {
    const a = await station('a1');
    const b = await station('b1');
    await b.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    const sent = await sendRemote(a, 'worker@b1', '@sim reply hello from a');
    const done = await pollUntil(() => delivery(a, sent), (d) => d.state === 'completed', "a's receipt completing", 30_000);
    const [receipt] = (await receiptsOf(b)).filter((r) => r.source === 'fleet:a1');
    expect(receipt).toMatchObject({ state: 'completed', text: '@sim reply hello from a', idempotency_key: `fleet-mail:${done.mail}` });
    expect(done).toMatchObject({ station: 'b1', remote_receipt: receipt?.receipt, turn_id: receipt?.turn_id, error: null });
    expect((await b.ok(['lane', 'get', 'worker']))['last_agent_message']).toBe('hello from a');
    // b published its lane for the fleet.
    expect((await db.listLanes({ station: 'b1' })).map((l) => l.handle)).toEqual(['@worker']);
  }, 90_000);

  it('the target station down: the mail waits queued, and is delivered exactly once when it starts again', async () => {
    const a = await station('a2');
    const b = await station('b2');
    await b.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    await b.run(['down']);
    const text = '@sim reply while you were away';
    const sent = await sendRemote(a, 'worker@b2', text, 'queue');
    const posted = await pollUntil(() => delivery(a, sent), (d) => d.mail !== null, 'the mail being posted', 20_000);
    expect(posted.state).toBe('queued');
    expect((await db.find(posted.mail ?? -1))?.state).toBe('posted');

    const up = await b.up();
    expect(up.code, up.stderr).toBe(0);
    await pollUntil(() => delivery(a, sent), (d) => d.state === 'completed', 'delivery after b returned', 30_000);
    expect((await receiptsOf(b)).filter((r) => r.source === 'fleet:a2')).toHaveLength(1);
    expect(modelSaw(b, text)).toBe(1);
  }, 90_000);

  it('b killed with kill -9 right after claiming: no loss, the restarted b delivers it once', async () => {
    const a = await station('a3');
    const b = await station('b3', { DISPATCH_FAILPOINT: 'fleet-after-claim' });
    await b.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    const text = '@sim reply claimed then killed';
    const sent = await sendRemote(a, 'worker@b3', text);
    const posted = await pollUntil(() => delivery(a, sent), (d) => d.mail !== null, 'the mail being posted', 20_000);
    await pollUntil(async () => db.find(posted.mail ?? -1), (m) => m?.state === 'claimed', 'b claiming the mail', 20_000);
    const pid = await b.pid();
    process.kill(pid, 'SIGKILL');
    await pollUntil(async () => isGone(pid), (gone) => gone, 'b dying', 10_000);
    expect(await receiptsOf(a)).toEqual([]);

    const up = await b.up({ DISPATCH_FAILPOINT: '' });
    expect(up.code, up.stderr).toBe(0);
    await pollUntil(() => delivery(a, sent), (d) => d.state === 'completed', 'delivery after the restart', 30_000);
    expect((await receiptsOf(b)).filter((r) => r.source === 'fleet:a3')).toHaveLength(1);
    expect(modelSaw(b, text)).toBe(1);
  }, 90_000);

  it('b killed with kill -9 mid-submit: the receipt is ambiguous on both sides and nothing is started again', async () => {
    const a = await station('a4');
    const b = await station('b4', { DISPATCH_FAILPOINT: 'after-submit' });
    await b.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    const text = '@sim reply maybe twice';
    const sent = await sendRemote(a, 'worker@b4', text);
    await pollUntil(async () => modelSaw(b, text), (n) => n === 1, 'the message reaching the model on b', 30_000);
    const pid = await b.pid();
    process.kill(pid, 'SIGKILL');
    await pollUntil(async () => isGone(pid), (gone) => gone, 'b dying', 10_000);

    const up = await b.up({ DISPATCH_FAILPOINT: '' });
    expect(up.code, up.stderr).toBe(0);
    const seen = await pollUntil(() => delivery(a, sent), (d) => d.state === 'ambiguous', 'a seeing the ambiguous receipt', 30_000);
    const [receipt] = (await receiptsOf(b)).filter((r) => r.source === 'fleet:a4');
    expect(receipt).toMatchObject({ receipt: seen.remote_receipt, state: 'ambiguous' });
    // Later mail for the lane is refused while the ambiguous receipt holds it (so b's loop has run on past the restart), and nothing started again.
    const next = await sendRemote(a, 'worker@b4', '@sim reply next');
    const refused = await pollUntil(() => delivery(a, next), (d) => d.state === 'failed', 'the next mail being refused', 30_000);
    expect(refused.error).toMatch(/^conflict: receipt \d+ on @worker is ambiguous; settle it first/);
    expect(modelSaw(b, text)).toBe(1);
    expect((await receiptsOf(b)).filter((r) => r.source === 'fleet:a4')).toHaveLength(1);
  }, 90_000);

  it('a station killed with kill -9 is unreachable once its (shortened) lease lapses', async () => {
    const b = await station('b5', { DISPATCH_FLEET_LEASE_MS: '3000' });
    await pollUntil(async () => db.stations.list(), (list) => list.some((s) => s.name === 'b5' && s.state === 'up'), 'b joined', 10_000);
    const pid = await b.pid();
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    await pollUntil(async () => db.stations.list(), (list) => list.some((s) => s.name === 'b5' && s.state === 'unreachable'), 'b unreachable', 15_000);
    expect(Date.now() - killedAt).toBeLessThan(15_000);
  }, 60_000);
});
