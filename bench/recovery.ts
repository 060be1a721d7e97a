/**
 * Recovery: N lanes busy (turns the simulated model leaves hanging, so they run until interrupted),
 * then `kill -9` of the app-server. Right after the kill each lane is sent a queued message; measured
 * is the time from the kill until the daemon has restarted codex, resumed every lane's thread and
 * codex accepted the new turn on each (its receipt `accepted` or later).
 */
import { inParallel, openSimulatedHome, waitFor } from './home.js';
import type { BenchRow } from './report.js';

interface Status {
  app_server: { pid: number | null; state: string; restarts: number };
  lanes: { busy: number; error: number };
}

interface Delivery {
  receipt: number;
  state: string;
  error: string | null;
}

const ACCEPTED = new Set(['accepted', 'completed']);
const SETTLED_BADLY = new Set(['failed', 'ambiguous', 'cancelled']);

export async function benchRecovery(lanes = 50, timeoutMs = 60_000): Promise<BenchRow[]> {
  const home = await openSimulatedHome();
  const call = <T>(op: string, input: unknown): Promise<T> => home.client.call<T>(op, input, { cwd: home.workspace });
  try {
    const handles = await inParallel(Array.from({ length: lanes }, (_, i) => i), 8, async (i) => {
      const lane = await call<{ handle: string }>('new', { name: `rec${i}`, prefix: '', text: '@sim hang' });
      return lane.handle;
    });
    const before = await waitFor(
      async () => {
        const s = await call<Status>('daemon.status', {});
        return s.lanes.busy === lanes && s.app_server.pid ? s : undefined;
      },
      `${lanes} lanes busy`,
      timeoutMs,
    );
    const killedPid = before.app_server.pid as number;
    const t0 = performance.now();
    process.kill(killedPid, 'SIGKILL');
    const receipts = await inParallel(handles, 16, async (lane) => (await call<{ receipt: number }>('send', { lane, text: '@sim reply back after the crash', mode: 'queue' })).receipt);
    const wanted = new Set(receipts);
    let last: Delivery[] = [];
    let resumed: number | undefined;
    // Where the time goes: until codex runs again, until the first lane accepts a turn.
    let running: number | undefined;
    let firstAccepted: number | undefined;
    try {
      resumed = await waitFor(
        async () => {
          if (running === undefined && (await call<Status>('daemon.status', {})).app_server.state === 'running') running = performance.now() - t0;
          const { deliveries } = await call<{ deliveries: Delivery[] }>('queue.list', { all: true, limit: 10_000 });
          last = deliveries.filter((d) => wanted.has(d.receipt));
          if (firstAccepted === undefined && last.some((d) => ACCEPTED.has(d.state))) firstAccepted = performance.now() - t0;
          if (last.length === lanes && last.every((d) => ACCEPTED.has(d.state) || SETTLED_BADLY.has(d.state))) return performance.now() - t0;
          return undefined;
        },
        'every lane accepting a new turn',
        timeoutMs,
        20,
      );
    } catch {
      // Reported below as lanes not resumed, with what their receipts say.
    }
    const elapsed = resumed ?? performance.now() - t0;
    const after = await call<Status>('daemon.status', {});
    const accepted = last.filter((d) => ACCEPTED.has(d.state)).length;
    const byState: Record<string, number> = {};
    for (const d of last) byState[d.state] = (byState[d.state] ?? 0) + 1;
    const firstError = last.find((d) => d.error)?.error;
    const extra: Record<string, number | string> = {
      lanes,
      accepted,
      not_resumed: lanes - accepted,
      receipts: Object.entries(byState).map(([state, n]) => `${state}=${n}`).join(' '),
      app_server_restarts: after.app_server.restarts,
      app_server_state: after.app_server.state,
      lanes_in_error: after.lanes.error,
      app_server_running_s: running === undefined ? 'never' : Number((running / 1000).toFixed(2)),
      first_accepted_s: firstAccepted === undefined ? 'never' : Number((firstAccepted / 1000).toFixed(2)),
      new_pid: after.app_server.pid === killedPid ? 'same' : 'new',
    };
    if (firstError) extra['first_error'] = firstError;
    return [
      { name: `recovery: app-server kill -9, ${lanes} busy lanes → all accepting`, value: elapsed / 1000, unit: 's', goal: { of: 'value', max: 3 }, extra },
      { name: `recovery: ${lanes} lanes, not resumed`, value: lanes - accepted, unit: 'lanes', goal: { of: 'value', max: 0 } },
    ];
  } finally {
    await home.close();
  }
}
