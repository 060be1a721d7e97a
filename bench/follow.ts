/**
 * Live-view latency: from a codex notification reaching the daemon (the fact's `at`, stamped as the
 * read that carried it is recorded) to `dispatch events --follow --json`, a separate process, having
 * printed its line (read here off its stdout pipe), for every fact codex reported over N turns on the
 * simulated provider. Baseline: a control-socket subscriber in this process, on the same facts.
 * `at` has millisecond resolution, so both figures carry up to 1 ms of it; the follower's extra
 * time over the baseline (`extra_p50_ms`) is measured on one clock and has none.
 */
import { spawn } from 'node:child_process';
import { isLaneEvent, type FeedEntry } from '../src/control/protocol.js';
import { CLI, openSimulatedHome, waitFor } from './home.js';
import { percentile, type BenchRow } from './report.js';

/** Wall-clock time in ms with sub-ms precision, comparable to a fact's `at`. */
const wallNow = (): number => performance.timeOrigin + performance.now();

export async function benchFollow(turns = 100): Promise<BenchRow[]> {
  const home = await openSimulatedHome();
  const { client } = home;
  const call = <T>(op: string, input: unknown): Promise<T> => client.call<T>(op, input, { cwd: home.workspace });
  const follower = { printedAt: new Map<number, number>(), rest: '' };
  const raw = new Map<number, { at: number; receivedAt: number }>();
  let child: ReturnType<typeof spawn> | undefined;
  let completed = 0;
  try {
    const lane = await call<{ id: string }>('new', { name: 'followed', prefix: '', send: false });
    const { latest_seq: from } = await call<{ latest_seq: number }>('events', { limit: 1 });
    const subscription = await client.subscribe({ lanes: [lane.id] }, (entry: FeedEntry) => {
      if (entry.seq === null || !isLaneEvent(entry.event)) return;
      raw.set(entry.seq, { at: Date.parse(entry.at), receivedAt: wallNow() });
      if (entry.event.type === 'turnCompleted') completed++;
    });
    child = spawn(process.execPath, [CLI, 'events', '--follow', '--since', String(from), '--lane', lane.id, '--json'], { env: home.env, cwd: home.workspace, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout?.on('data', (chunk: Buffer) => {
      const now = wallNow();
      const lines = (follower.rest + chunk.toString('utf8')).split('\n');
      follower.rest = lines.pop() ?? '';
      for (const line of lines) {
        const seq = (JSON.parse(line) as { seq?: unknown }).seq;
        if (typeof seq === 'number') follower.printedAt.set(seq, now);
      }
    });
    const turn = async (text: string): Promise<void> => {
      const target = completed + 1;
      await call('send', { lane: lane.id, text });
      // Over once the baseline has the turn's end and the follower has printed every fact the baseline got.
      await waitFor(async () => (completed >= target && [...raw.keys()].every((seq) => follower.printedAt.has(seq)) ? true : undefined), 'the follower printing the turn', 30_000, 5);
    };
    // Warm-up: the follower reads the backlog through `events`, then goes live; measured turns are live.
    await turn('@sim reply warm-up');
    const measuredFrom = Math.max(...raw.keys());
    for (let i = 0; i < turns; i++) await turn(`@sim reply turn ${i}`);
    subscription.dispose();
    const followMs: number[] = [];
    const rawMs: number[] = [];
    const extraMs: number[] = [];
    for (const [seq, fact] of raw) {
      const printed = follower.printedAt.get(seq);
      if (seq <= measuredFrom || printed === undefined) continue;
      followMs.push(printed - fact.at);
      rawMs.push(fact.receivedAt - fact.at);
      extraMs.push(printed - fact.receivedAt);
    }
    const fixed = (n: number): number => Number(n.toFixed(2));
    const extra = { turns, facts: followMs.length, extra_p50_ms: fixed(percentile(extraMs, 0.5)), extra_p99_ms: fixed(percentile(extraMs, 0.99)), at_resolution_ms: 1 };
    return [
      { name: `events --follow latency p50, ${turns} turns`, value: percentile(followMs, 0.5), unit: 'ms', baseline: { value: percentile(rawMs, 0.5), name: 'control-socket subscriber p50' }, extra },
      { name: `events --follow latency p99, ${turns} turns`, value: percentile(followMs, 0.99), unit: 'ms', baseline: { value: percentile(rawMs, 0.99), name: 'control-socket subscriber p99' }, extra },
    ];
  } finally {
    child?.kill('SIGINT');
    await home.close();
  }
}
