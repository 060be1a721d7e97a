/**
 * `npm run bench`: speed figures printed as ratios against a baseline measured in the same run,
 * so they compare across machines. Nothing here asserts a time; it reports.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApprovalBroker } from '../src/core/approvals.js';
import { silentLogger } from '../src/core/context.js';
import { deliver } from '../src/core/deliveries.js';
import type { AppServer } from '../src/core/ports.js';
import { createJournal } from '../src/core/journal.js';
import { createLane } from '../src/core/lanes.js';
import { react } from '../src/core/reactor.js';
import { fireEventTriggers } from '../src/core/triggers/apply.js';
import { LaneFeedHub } from '../src/core/feed.js';
import { openStore } from '../src/store/index.js';
import { JsonRpcConnection } from '../src/jsonrpc/connection.js';
import { LineDecoder } from '../src/jsonrpc/lineDecoder.js';
import { MemoryTransport } from '../src/jsonrpc/memoryTransport.js';

const ROOT = path.resolve(import.meta.dirname, '..');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function report(name: string, value: number, baseline: number, unit: string, baselineName: string): void {
  console.log(`${name.padEnd(44)} ${value.toFixed(2).padStart(9)} ${unit}   ${(value / baseline).toFixed(2)}× ${baselineName} (${baseline.toFixed(2)} ${unit})`);
}

/**
 * CLI start-up against the floor, `node -e 0`, in the same run. The three are timed in turns, round
 * by round, so load from others on a shared machine falls on all of them alike; medians of 20.
 */
async function benchCli(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'dsp-bench-'));
  // A fresh environment: NODE_EXTRA_CA_CERTS (which makes node read a CA bundle at start) is unset for all.
  const env = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, NO_COLOR: '1' };
  const cli = path.join(ROOT, 'bin', 'dispatch.js');
  const runs = 20;
  const timed = { baseline: [] as number[], list: [] as number[], version: [] as number[] };
  const time = (args: string[]): number => {
    const start = performance.now();
    execFileSync(process.execPath, args, { env, stdio: 'pipe' });
    return performance.now() - start;
  };
  try {
    execFileSync(process.execPath, [cli, 'up', '--simulate'], { env, stdio: 'pipe' });
    execFileSync(process.execPath, [cli, 'new', '--name', 'bench', '--prefix', '', '--no-send'], { env, stdio: 'pipe' });
    // One untimed round warms the file cache for each.
    time(['-e', '0']);
    time([cli, 'lane', 'list']);
    time([cli, '--version']);
    for (let i = 0; i < runs; i++) {
      timed.baseline.push(time(['-e', '0']));
      timed.list.push(time([cli, 'lane', 'list']));
      timed.version.push(time([cli, '--version']));
    }
    const baseline = median(timed.baseline);
    report(`dispatch lane list (running daemon), median of ${runs}`, median(timed.list), baseline, 'ms', 'node -e 0');
    report(`dispatch --version, median of ${runs}`, median(timed.version), baseline, 'ms', 'node -e 0');
  } finally {
    try {
      execFileSync(process.execPath, [cli, 'down'], { env, stdio: 'pipe' });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
}

async function benchRpc(): Promise<void> {
  const [a, b] = MemoryTransport.createLinkedPair();
  const client = new JsonRpcConnection(a, { maxInFlight: 64 });
  const server = new JsonRpcConnection(b);
  server.onRequest('echo', (params) => params);
  await client.start();
  await server.start();
  const n = 20_000;
  const payload = { threadId: '01a210e9-2e2e-7e00-9e61-95965d27737b', text: 'hello there' };
  let start = performance.now();
  await Promise.all(Array.from({ length: n }, () => client.request('echo', payload)));
  const rpc = ((performance.now() - start) * 1000) / n;
  start = performance.now();
  for (let i = 0; i < n; i++) {
    // Baseline: the two JSON round trips every request costs at minimum.
    JSON.parse(JSON.stringify({ id: i, method: 'echo', params: payload }));
    JSON.parse(JSON.stringify({ id: i, result: payload }));
    await Promise.resolve();
  }
  const baseline = ((performance.now() - start) * 1000) / n;
  report('JSON-RPC request round trip (memory pair)', rpc, baseline, 'µs', 'bare JSON round trip');
}

function benchDecoder(): void {
  const line = JSON.stringify({ method: 'item/agentMessage/delta', params: { threadId: 't', turnId: 'u', itemId: 'i', delta: 'x'.repeat(200) } });
  const chunk = Buffer.from(`${line}\n`.repeat(2000));
  const rounds = 50;
  const decoder = new LineDecoder();
  let start = performance.now();
  let count = 0;
  for (let r = 0; r < rounds; r++) for (const _ of decoder.push(chunk)) count++;
  const decoded = (performance.now() - start) / rounds;
  start = performance.now();
  for (let r = 0; r < rounds; r++) count -= chunk.toString('utf8').split('\n').filter(Boolean).length;
  const baseline = (performance.now() - start) / rounds;
  if (count !== 0) throw new Error('decoder and baseline disagree on the line count');
  report(`JSONL decode of ${(chunk.length / 1e6).toFixed(1)} MB`, decoded, baseline, 'ms', 'toString+split');
}

/**
 * In-daemon reaction time: a lane event goes in (A's turn completed), the triggered request comes
 * out (turn/start for B), through the real reactor, trigger matching, guards, ledger and SQLite.
 * Baseline: the same delivery to B called directly, with no event and no trigger.
 */
async function benchReaction(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsp-bench-react-'));
  const store = openStore({ path: path.join(dir, 'registry.db') });
  let started: (() => void) | undefined;
  let turn = 0;
  const appServer = {
    info: () => ({ state: 'running' }),
    startTurn: async () => {
      started?.();
      return { turnId: `t${++turn}` };
    },
  } as unknown as AppServer;
  const clock = { now: () => new Date() };
  const feed = new LaneFeedHub();
  const journal = createJournal({ store, clock, publish: (entry) => feed.publish(entry) });
  const ctx = {
    store,
    journal,
    appServer,
    clock,
    feed,
    log: silentLogger,
    callerCwd: dir,
    failpoint: async () => undefined,
    drainQueue: async () => undefined,
    approvals: new ApprovalBroker({ store, log: silentLogger }),
  };
  const settings = { sandbox: 'read-only' as const, approvalPolicy: 'never' as const };
  createLane(ctx, { laneId: 'A', handle: '@a', source: 'own', cwd: dir, status: 'idle', settings, ephemeral: false, by: 'bench' });
  createLane(ctx, { laneId: 'B', handle: '@b', source: 'own', cwd: dir, status: 'idle', settings, ephemeral: false, by: 'bench' });
  store.triggers.insert({ id: 'ab', name: 'a→b', lane: 'A', when: { kind: 'event', event: 'turn_completed' }, action: { kind: 'send', text: 'A said: {{last_message}}', target: 'B' }, guard: { idleOnly: false, minIntervalSeconds: null, dedupe: false, once: false }, enabled: true });
  const reactor = (event: Parameters<typeof react>[1]): void => react({ store, journal, clock, publishLive: () => undefined }, event);
  // B's turn ends (as codex would report it) so every round starts from an idle B.
  const settleB = (): void => {
    const active = store.lanes.find('B')?.activeTurnId;
    if (active) reactor({ type: 'turnCompleted', laneId: 'B', turnId: active, outcome: 'completed' });
  };
  const rounds = 300;
  const reaction: number[] = [];
  for (let i = 0; i < rounds; i++) {
    settleB();
    reactor({ type: 'turnStarted', laneId: 'A', turnId: `a${i}` });
    // A trigger that never fires must fail the bench, not leave a top-level await hanging (exit 13).
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the trigger never started a turn for B')), 5000);
      started = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const t0 = performance.now();
    const event = { type: 'turnCompleted' as const, laneId: 'A', turnId: `a${i}`, outcome: 'completed' as const, lastAgentMessage: `result ${i}` };
    reactor(event);
    await fireEventTriggers(ctx, event);
    await done;
    reaction.push(performance.now() - t0);
  }
  const direct: number[] = [];
  const lane = () => store.lanes.find('B');
  for (let i = 0; i < rounds; i++) {
    settleB();
    const t0 = performance.now();
    const b = lane();
    if (!b) throw new Error('lane B vanished');
    await deliver(ctx, { lane: b, mode: 'send', text: `direct ${i}`, source: 'bench' });
    direct.push(performance.now() - t0);
  }
  store.close();
  rmSync(dir, { recursive: true, force: true });
  report('reaction: event in → triggered turn/start out, median', median(reaction) * 1000, median(direct) * 1000, 'µs', 'direct delivery');
}

console.log(`dispatch bench — node ${process.version}, ${os.cpus().length} cores\n`);
benchDecoder();
await benchRpc();
await benchReaction();
await benchCli();

