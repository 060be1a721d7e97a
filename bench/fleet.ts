/**
 * Mailbox throughput (issue 12): messages per second through the whole mailbox — a sender posts,
 * the target station claims (FOR UPDATE SKIP LOCKED) and reports each receipt done — against a bare
 * `INSERT … ; NOTIFY` loop on the same server in the same run. Its own throwaway cluster
 * (test/helpers/pgCluster.ts); with no PostgreSQL server installed it fails saying so.
 */
import type { Mail } from '../src/core/fleet.js';
import { openPgFleet, type PgFleet } from '../src/fleet/pgFleet.js';
import { createFleetPool } from '../src/fleet/pool.js';
import { createDatabase, startPrivateCluster } from '../test/helpers/pgCluster.js';
import { median, percentile, type BenchRow } from './report.js';

export interface FleetBenchOptions {
  /** Messages per side. */
  messages: number;
}

export const FLEET_DEFAULTS: FleetBenchOptions = { messages: 2000 };

const CLAIM_BATCH = 50;
const IDLE_WAIT_MS = 50;

/** The baseline: what one message costs the database at least (one row, one notification), one after another. */
async function bareLoop(url: string, messages: number): Promise<number> {
  const pool = createFleetPool(url);
  try {
    await pool.query('CREATE TABLE IF NOT EXISTS bench_bare (id BIGSERIAL PRIMARY KEY, target TEXT NOT NULL, body JSONB NOT NULL)');
    const started = performance.now();
    for (let i = 0; i < messages; i++) {
      await pool.query(`WITH row AS (INSERT INTO bench_bare (target, body) VALUES ($1, $2::jsonb) RETURNING id) SELECT pg_notify('bench_bare', $1) FROM row`, ['bravo', JSON.stringify({ kind: 'send', mode: 'queue', text: `message ${i}` })]);
    }
    return (performance.now() - started) / 1000;
  } finally {
    await pool.end();
  }
}

/** The target station: claims what is posted for it (woken by NOTIFY, else a short poll) and reports each done. */
async function drain(target: PgFleet, expected: number, doneAt: Map<number, number>): Promise<void> {
  let wake: (() => void) | null = null;
  const subscription = target.listen(() => wake?.());
  try {
    while (doneAt.size < expected) {
      const claimed: Mail[] = await target.claim('bravo', CLAIM_BATCH);
      if (claimed.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_WAIT_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
        continue;
      }
      for (const mail of claimed) {
        await target.report(mail.id, 'bravo', { receipt: mail.id, receiptState: 'completed', turnId: `t${mail.id}`, done: true });
        doneAt.set(mail.id, performance.now());
      }
    }
  } finally {
    subscription.dispose();
  }
}

/** post → claim → report(done) for `messages` mail, the sender and the target running at once; returns seconds and per-mail latencies. */
async function mailboxLoop(url: string, messages: number, refBase: number): Promise<{ seconds: number; latencies: number[] }> {
  const sender = await openPgFleet(url);
  const target = await openPgFleet(url);
  try {
    const postedAt = new Map<number, number>();
    const doneAt = new Map<number, number>();
    const started = performance.now();
    const draining = drain(target, messages, doneAt);
    for (let i = 0; i < messages; i++) {
      const t0 = performance.now();
      const mail = await sender.post({ sender: 'alpha', senderRef: refBase + i, target: 'bravo', lane: '@worker', body: { kind: 'send', mode: 'queue', text: `message ${i}` } });
      postedAt.set(mail.id, t0);
    }
    await draining;
    const seconds = (performance.now() - started) / 1000;
    const latencies = [...doneAt].map(([id, at]) => at - (postedAt.get(id) ?? at));
    return { seconds, latencies };
  } finally {
    await Promise.all([sender.close(), target.close()]);
  }
}

export async function benchFleet(options: FleetBenchOptions = FLEET_DEFAULTS): Promise<BenchRow[]> {
  let cluster;
  try {
    cluster = await startPrivateCluster();
  } catch (error) {
    throw new Error(`the mailbox bench needs a PostgreSQL server and could not start one: ${(error as Error).message}`, { cause: error });
  }
  try {
    const url = await createDatabase(cluster.url, 'bench');
    // Warm-up (connections, plans, JIT), then each side once.
    await bareLoop(url, Math.min(50, options.messages));
    await mailboxLoop(url, Math.min(50, options.messages), 1_000_000);
    const bareSeconds = await bareLoop(url, options.messages);
    const mailbox = await mailboxLoop(url, options.messages, 0);
    const bareRate = options.messages / bareSeconds;
    const mailboxRate = options.messages / mailbox.seconds;
    return [
      {
        name: 'mailbox throughput: post → claim → report(done)',
        value: mailboxRate,
        unit: 'msg/s',
        baseline: { value: bareRate, name: 'bare INSERT + NOTIFY loop' },
        extra: {
          messages: options.messages,
          post_to_done_median_ms: Number(median(mailbox.latencies).toFixed(2)),
          post_to_done_p99_ms: Number(percentile(mailbox.latencies, 0.99).toFixed(2)),
        },
      },
    ];
  } finally {
    await cluster.destroy();
  }
}
