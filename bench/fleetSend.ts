/**
 * Cross-station send → reply (issue 12): station a sends `worker@b "…"`, and the time is taken
 * until a's own receipt for it (`delivery get m<N>`) says `completed`, i.e. b claimed the mail,
 * ran the turn through its ledger on the simulated provider, and the state came back through the
 * mailbox. Baseline: the same send to a lane on a itself, waited for the same way (its receipt
 * `completed`), in the same run. Two real daemons on their own throwaway PostgreSQL cluster.
 */
import type { SimulatedHome } from './home.js';
import { openSimulatedHome } from './home.js';
import { createDatabase, startPrivateCluster } from '../test/helpers/pgCluster.js';
import { median, percentile, type BenchRow } from './report.js';

export interface FleetSendOptions {
  rounds: number;
}

export const FLEET_SEND_DEFAULTS: FleetSendOptions = { rounds: 30 };

const POLL_MS = 2;

function stationConfig(url: string, name: string): string {
  return `[fleet]\nurl = ${JSON.stringify(url)}\nstation = ${JSON.stringify(name)}\n`;
}

/** Sends, then polls the receipt until it settles; returns the milliseconds from the send to `completed`. */
async function roundTrip(home: SimulatedHome, lane: string, text: string): Promise<number> {
  const started = performance.now();
  const sent = await home.client.call<{ receipt: number | string }>('send', { lane, text }, { cwd: home.workspace });
  for (;;) {
    const receipt = await home.client.call<{ state: string }>('delivery.get', { receipt: sent.receipt }, { cwd: home.workspace });
    if (receipt.state === 'completed') return performance.now() - started;
    if (['failed', 'cancelled', 'ambiguous', 'interrupted'].includes(receipt.state)) throw new Error(`receipt ${String(sent.receipt)} ended ${receipt.state}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function benchFleetSend(options: FleetSendOptions = FLEET_SEND_DEFAULTS): Promise<BenchRow[]> {
  const cluster = await startPrivateCluster();
  const homes: SimulatedHome[] = [];
  try {
    const url = await createDatabase(cluster.url, 'bench_fleet_send');
    const a = await openSimulatedHome({ configToml: stationConfig(url, 'a') });
    homes.push(a);
    const b = await openSimulatedHome({ configToml: stationConfig(url, 'b') });
    homes.push(b);
    const local = await a.client.call<{ id: string }>('new', { name: 'local', prefix: '', send: false }, { cwd: a.workspace });
    await b.client.call('new', { name: 'worker', prefix: '', send: false }, { cwd: b.workspace });
    // a can address worker@b once b has published it and a sees b's lease.
    await waitUntil(async () => {
      const status = await a.client.call<{ stations: Array<{ name: string; state: string }> }>('fleet.status', {}, { cwd: a.workspace });
      return status.stations.some((s) => s.name === 'b' && s.state === 'up');
    }, 'station b joining');
    const remote: number[] = [];
    const same: number[] = [];
    // Warm both paths (thread load, prepared statements, pool connections) before measuring.
    await roundTrip(a, local.id, '@sim reply warm');
    await roundTrip(a, 'worker@b', '@sim reply warm');
    for (let round = 0; round < options.rounds; round++) {
      same.push(await roundTrip(a, local.id, `@sim reply local ${round}`));
      remote.push(await roundTrip(a, 'worker@b', `@sim reply remote ${round}`));
    }
    return [
      { name: 'cross-station send → receipt completed, median', value: median(remote), unit: 'ms', baseline: { value: median(same), name: 'the same send to a lane of the same station' }, extra: { rounds: options.rounds } },
      { name: 'cross-station send → receipt completed, p99', value: percentile(remote, 0.99), unit: 'ms', baseline: { value: percentile(same, 0.99), name: 'the same send to a lane of the same station, p99' } },
    ];
  } finally {
    for (const home of homes.reverse()) await home.close().catch(() => undefined);
    await cluster.destroy();
  }
}
