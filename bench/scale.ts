/**
 * Scale: N lanes on one real daemon and one real app-server (simulated provider), three turns each
 * — the first sent with `new`, two more queued behind it — until every receipt is settled. Reports
 * the wall time, receipts that did not complete (plus calls refused), the daemon's RSS (its peak,
 * VmHWM) and the app-server's.
 */
import { inParallel, openSimulatedHome, procMemoryMb, waitFor } from './home.js';
import type { BenchRow } from './report.js';

interface Status {
  daemon: { pid: number };
  app_server: { pid: number | null; state: string };
  lanes: { busy: number };
  deliveries: { queued: number; submitting: number; ambiguous: number; accepted: number };
}

interface Delivery {
  lane: string;
  state: string;
}

const TURNS = 3;

export async function benchScale(lanes = 200, timeoutMs = 600_000): Promise<BenchRow[]> {
  const home = await openSimulatedHome();
  const { client } = home;
  const call = <T>(op: string, input: unknown): Promise<T> => client.call<T>(op, input, { cwd: home.workspace });
  let refused = 0;
  let firstRefusal: string | undefined;
  const refuse = (error: unknown): void => {
    refused++;
    firstRefusal ??= (error as Error).message;
  };
  try {
    const before = await call<Status>('daemon.status', {});
    let daemonPeakRss = procMemoryMb(before.daemon.pid, 'VmRSS');
    const sampler = setInterval(() => {
      daemonPeakRss = Math.max(daemonPeakRss, procMemoryMb(before.daemon.pid, 'VmRSS'));
    }, 250);
    const start = performance.now();
    try {
      // A few at a time, as codex's thread/start is the slow part and more in flight only queue there.
      await inParallel(Array.from({ length: lanes }, (_, i) => i), 8, async (i) => {
        const name = `scale${i}`;
        try {
          const { handle } = await call<{ handle: string }>('new', { name, prefix: '', text: `@sim reply ${name} turn 1` });
          for (let t = 2; t <= TURNS; t++) await call('send', { lane: handle, text: `@sim reply ${name} turn ${t}`, mode: 'queue' });
        } catch (error) {
          refuse(error);
        }
      });
      await waitFor(
        async () => {
          const s = await call<Status>('daemon.status', {});
          const open = s.deliveries.queued + s.deliveries.submitting + s.deliveries.accepted;
          return open === 0 && s.lanes.busy === 0 ? s : undefined;
        },
        `${lanes} lanes × ${TURNS} turns settling`,
        timeoutMs,
        250,
      );
    } finally {
      clearInterval(sampler);
    }
    const wallSeconds = (performance.now() - start) / 1000;
    const after = await call<Status>('daemon.status', {});
    const { deliveries } = await call<{ deliveries: Delivery[] }>('queue.list', { all: true, limit: 10_000 });
    const completedByLane = new Map<string, number>();
    for (const d of deliveries) if (d.state === 'completed') completedByLane.set(d.lane, (completedByLane.get(d.lane) ?? 0) + 1);
    const completed = [...completedByLane.values()].reduce((a, b) => a + b, 0);
    const lanesDone = [...completedByLane.values()].filter((n) => n === TURNS).length;
    const errors = refused + (lanes * TURNS - completed);
    daemonPeakRss = Math.max(daemonPeakRss, procMemoryMb(after.daemon.pid, 'VmHWM'));
    const appServerPeakRss = procMemoryMb(after.app_server.pid, 'VmHWM');
    const extra: Record<string, number | string> = { lanes, turns_each: TURNS, completed_turns: completed, errors, wall_s: Number(wallSeconds.toFixed(1)), app_server_rss_mb: Number(appServerPeakRss.toFixed(0)) };
    if (firstRefusal) extra['first_error'] = firstRefusal;
    return [
      // The goal is 200 lanes, all complete: a smaller run shows as missed.
      { name: `scale: lanes with all ${TURNS} turns completed, of ${lanes}`, value: lanesDone, unit: 'lanes', goal: { of: 'value', min: 200 }, extra },
      { name: `scale: ${lanes} lanes, errors`, value: errors, unit: 'errors', goal: { of: 'value', max: 0 } },
      { name: `scale: ${lanes} lanes, wall time`, value: wallSeconds, unit: 's' },
      { name: `scale: ${lanes} lanes, daemon peak RSS`, value: daemonPeakRss, unit: 'MB', goal: { of: 'value', max: 150 } },
      { name: `scale: ${lanes} lanes, app-server peak RSS`, value: appServerPeakRss, unit: 'MB' },
    ];
  } finally {
    await home.close();
  }
}
