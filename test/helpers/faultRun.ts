import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from './dispatchHarness.js';
import { checkIntegrity, killMidMigration } from './faultMigration.js';
import { judgeRun, type Receipt, type SentMessage, type Verdict } from './faultVerdict.js';

/**
 * The fault run: a queued workload over many lanes on the simulated provider, sent as a careful
 * user would (`send --queue` with an idempotency key, retried with the same key after a failure),
 * while the app-server (mid-turn, mid-approval) and the daemon (mid-drain, mid-migration) are
 * killed with SIGKILL; after each kill the user runs `dispatch up` and goes on. The verdict
 * compares every receipt with the threads' own history.
 */
export type KillKind = 'app_server_mid_turn' | 'app_server_mid_approval' | 'daemon_mid_drain' | 'daemon_mid_migration';

export interface FaultRunOptions {
  /** Kills in all; about one in ten is a mid-migration kill (in a home of its own). */
  scale: number;
  lanes?: number;
  /** Messages queued between two kills. */
  messagesPerKill?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface FaultReport extends Verdict {
  seed: number;
  lanes: number;
  messages: number;
  kills: Record<KillKind, number>;
  /** Kills made before their moment came (the deadline passed): mid-turn with no turn running, … */
  killsOffTarget: number;
  /** Sends that failed and were retried with the same idempotency key. */
  sendRetries: number;
  /** integrity_check of the registry after `down`, and of copies taken while a killed daemon was down. */
  integrity: Array<{ what: string; result: string }>;
  durationMs: number;
}

/** A small seeded generator (mulberry32), so a run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** Polls `check` every 50 ms until it holds or `timeoutMs` passed; says which. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

interface Lane {
  handle: string;
  asks: boolean;
  /** Messages of this lane in the order the user sends them; `receipt` once a send answered. */
  outbox: SentMessage[];
}

const APPROVING_LANE = ['--approval-policy', 'untrusted', '--sandbox', 'danger-full-access', '--prefix', '', '--no-send'];

export async function runFaults(options: FaultRunOptions): Promise<FaultReport> {
  const started = Date.now();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  const log = options.log ?? (() => {});
  const laneCount = options.lanes ?? 6;
  const perKill = options.messagesPerKill ?? 3;
  const home = await mkdtemp(path.join(os.tmpdir(), 'dsp-flt-'));
  const workspace = path.join(home, 'ws');
  await mkdir(workspace);
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, CODEX_HOME: path.join(home, 'no-codex-home'), NO_COLOR: '1' };
  const cli = (args: string[], timeoutMs = 30_000): Promise<CliResult> => runCli(args, { env, cwd: workspace, timeoutMs });
  const json = async <T>(args: string[]): Promise<T | undefined> => {
    const result = await cli(args);
    if (result.code !== 0) log(`${args.slice(0, 2).join(' ')} exited ${result.code}: ${result.stderr.trim().slice(0, 160)}`);
    return result.code === 0 ? (result.json as T) : undefined;
  };
  const kills: Record<KillKind, number> = { app_server_mid_turn: 0, app_server_mid_approval: 0, daemon_mid_drain: 0, daemon_mid_migration: 0 };
  const integrity: FaultReport['integrity'] = [];
  let killsOffTarget = 0;
  let sendRetries = 0;
  let holdApprovals = false;
  let stopping = false;

  const up = async (): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = await cli(['up', '--simulate', '--json'], 60_000);
      if (result.code === 0) return;
      log(`up exited ${result.code}: ${result.stderr.trim().slice(0, 200)}`);
      await sleep(200);
    }
    throw new Error('dispatch up kept failing');
  };

  await up();
  const lanes: Lane[] = [];
  for (let i = 0; i < laneCount; i++) {
    const asks = i % 3 === 2;
    const handle = `w${i}`;
    const made = await cli(['new', '--name', handle, ...(asks ? APPROVING_LANE : ['--prefix', '', '--no-send']), '--json']);
    if (made.code !== 0) throw new Error(`new ${handle}: ${made.stderr}`);
    lanes.push({ handle, asks, outbox: [] });
  }

  let counter = 0;
  const enqueue = (lane: Lane): void => {
    const n = ++counter;
    const reply = `ack-${lane.handle}-${n}`;
    // A slow reply keeps turns running long enough to be killed mid-turn; an approving lane asks before its command.
    const text = lane.asks ? `@sim shell echo ${n} > out-${n}.txt\n@sim reply ${reply}` : `@sim slow 4x80\n@sim reply ${reply}`;
    lane.outbox.push({ key: `fault-${n}`, lane: lane.handle, text, reply, receipt: null });
  };
  /** Sends the lane's unanswered messages in order, stopping at the first failure (retried later, same key). */
  const flush = async (lane: Lane): Promise<void> => {
    for (const message of lane.outbox) {
      if (message.receipt !== null) continue;
      const result = await cli(['send', lane.handle, message.text, '--queue', '--idempotency-key', message.key, '--json']);
      const receipt = (result.json as { receipt?: number } | undefined)?.receipt;
      if (result.code === 0 && typeof receipt === 'number') {
        message.receipt = receipt;
        continue;
      }
      sendRetries++;
      log(`send ${message.key} exited ${result.code}: ${result.stderr.trim().slice(0, 160)}`);
      return;
    }
  };
  const flushAll = (): Promise<void[]> => Promise.all(lanes.map(flush));
  const unsent = (): number => lanes.reduce((sum, lane) => sum + lane.outbox.filter((m) => m.receipt === null).length, 0);

  // A person answering approvals, except while a kill waits for one to be pending.
  const approver = (async () => {
    while (!stopping) {
      if (!holdApprovals) {
        const pending = await json<{ requests: Array<{ id: number }> }>(['request', 'list']);
        for (const request of pending?.requests ?? []) {
          if (holdApprovals) break;
          await cli(['request', 'respond', String(request.id), 'accept']);
        }
      }
      await sleep(300);
    }
  })();

  const status = (): Promise<{ app_server: { pid: number | null; state: string }; lanes: { busy: number; waiting_approval: number }; deliveries: { queued: number } } | undefined> => json(['daemon', 'status']);
  const pidfile = path.join(home, 'dispatchd.pid');
  const daemonPid = (): number | undefined => {
    const text = existsSync(pidfile) ? readFileSync(pidfile, 'utf8').trim() : '';
    return /^\d+$/.test(text) ? Number(text) : undefined;
  };
  const killAndWait = async (pid: number): Promise<void> => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    if (!(await waitFor(() => isGone(pid), 10_000))) throw new Error(`pid ${pid} outlived SIGKILL`);
  };

  const killOnce = async (kind: Exclude<KillKind, 'daemon_mid_migration'>): Promise<void> => {
    holdApprovals = kind === 'app_server_mid_approval';
    const moment = async (): Promise<boolean> => {
      if (kind === 'app_server_mid_approval') return ((await json<{ requests: unknown[] }>(['request', 'list']))?.requests.length ?? 0) > 0;
      const now = await status();
      if (!now) return false;
      return kind === 'app_server_mid_turn' ? now.lanes.busy > 0 : now.deliveries.queued > 0 || now.lanes.busy > 0;
    };
    // Mid-drain lands a short random while into the drain, not always at its first moment.
    if (kind === 'daemon_mid_drain') await sleep(Math.floor(random() * 400));
    const onTarget = await waitFor(moment, 8_000);
    if (!onTarget) killsOffTarget++;
    if (kind === 'daemon_mid_drain') {
      const pid = daemonPid();
      if (pid !== undefined) await killAndWait(pid);
      integrity.push({ what: `copy taken after daemon kill ${kills.daemon_mid_drain + 1}`, result: checkIntegrity(home) });
    } else {
      const pid = (await status())?.app_server.pid;
      if (typeof pid === 'number') await killAndWait(pid);
    }
    kills[kind]++;
    holdApprovals = false;
    await up();
  };

  const kinds: Array<Exclude<KillKind, 'daemon_mid_migration'>> = ['app_server_mid_turn', 'app_server_mid_approval', 'daemon_mid_drain'];
  const migrationKills = options.scale >= 4 ? Math.max(1, Math.round(options.scale / 10)) : 0;
  const workloadKills = options.scale - migrationKills;
  for (let k = 0; k < workloadKills; k++) {
    const kind = kinds[k % kinds.length] ?? 'app_server_mid_turn';
    for (let m = 0; m < perKill; m++) {
      const asking = lanes.filter((l) => l.asks);
      // A mid-approval kill needs a message on an approving lane.
      const pool = kind === 'app_server_mid_approval' && m === 0 && asking.length > 0 ? asking : lanes;
      const lane = pool[Math.floor(random() * pool.length)];
      if (lane) enqueue(lane);
    }
    await flushAll();
    await killOnce(kind);
    await flushAll();
    log(`kill ${k + 1}/${workloadKills} ${kind}; ${counter} messages, ${unsent()} unsent`);
  }

  // The end: every send answered, every receipt settled (an ambiguous one checked once, as the README says).
  const drainDeadline = Date.now() + 60_000 + counter * 1_000;
  const reconciled = new Set<number>();
  for (;;) {
    await flushAll();
    if (unsent() === 0) {
      const listed = await json<{ deliveries: Receipt[] }>(['queue', 'list', '--all', '--limit', '10000']);
      // A failed read proves nothing: read again (the user would run `dispatch up` if the daemon were gone).
      if (!listed) await up();
      const receipts = listed?.deliveries ?? [];
      const unreconciled = receipts.filter((r) => r.state === 'ambiguous' && !reconciled.has(r.receipt));
      for (const receipt of unreconciled) {
        reconciled.add(receipt.receipt);
        await cli(['delivery', 'reconcile', String(receipt.receipt)]);
      }
      // A reconcile settles its receipt and lets the lane's queue move again: this list is stale, read again.
      if (unreconciled.length > 0) continue;
      const held = new Set(receipts.filter((r) => r.state === 'ambiguous').map((r) => r.lane));
      const moving = receipts.filter((r) => ['queued', 'submitting', 'accepted'].includes(r.state) && !(r.state === 'queued' && held.has(r.lane)));
      if (listed && moving.length === 0) break;
    }
    if (Date.now() > drainDeadline) {
      log('drain deadline passed with receipts still moving');
      break;
    }
    await sleep(250);
  }
  const final = await json<{ deliveries: Receipt[] }>(['queue', 'list', '--all', '--limit', '10000']);
  if (!final) throw new Error('queue list failed at the end of the run');
  const receipts: Receipt[] = final.deliveries;
  const laneIds = new Map<string, string>();
  const history = new Map<string, Array<{ turn_id: string; type: string; text: string | null }>>();
  for (const lane of lanes) {
    const tail = await json<{ lane: string; items: Array<{ turn_id: string; type: string; text: string | null }> }>(['lane', 'tail', lane.handle, '--limit', '5000']);
    if (!tail) throw new Error(`lane tail ${lane.handle} failed`);
    laneIds.set(lane.handle, tail.lane);
    history.set(lane.handle, tail.items);
  }
  stopping = true;
  await approver;
  await cli(['down']);
  integrity.push({ what: 'registry after down', result: checkIntegrity(home) });

  for (let k = 0; k < migrationKills; k++) {
    integrity.push({ what: `mid-migration kill ${k + 1}`, result: await killMidMigration(random, log) });
    kills.daemon_mid_migration++;
  }

  const sent = lanes.flatMap((lane) => lane.outbox);
  const verdict = judgeRun(sent, receipts, history, laneIds);
  await rm(home, { recursive: true, force: true });
  return { ...verdict, seed, lanes: laneCount, messages: sent.length, kills, killsOffTarget, sendRetries, integrity, durationMs: Date.now() - started };
}

/** Copies a registry (with its WAL and SHM) into `dir`; the copy's path. */
export function copyRegistry(home: string, dir: string): string {
  const target = path.join(dir, 'registry.db');
  for (const suffix of ['', '-wal', '-shm']) {
    const source = path.join(home, `registry.db${suffix}`);
    if (existsSync(source)) copyFileSync(source, `${target}${suffix}`);
  }
  return target;
}
