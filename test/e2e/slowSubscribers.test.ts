import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localOpHashes } from '../../src/control/protocol.js';
import { resolvePaths } from '../../src/control/paths.js';
import { CONTROL_LIMITS } from '../../src/daemon/controlLimits.js';
import { DISPATCH_BIN, pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Frame = {
  id?: unknown;
  method?: string;
  params?: { subscription?: string; seq?: number | null; last_seq?: number; error?: { message: string; data: Record<string, unknown> } };
  result?: Record<string, unknown>;
  error?: unknown;
};

const MiB = 1024 * 1024;
const TURNS = 6;
/**
 * Generous: the workload alone moves the daemon's RSS by ~60 MB and five stalled subscribers add ~40;
 * on a loaded machine GC lags and the peak reached 151 MB. Without a bound it grew by ~450 MB.
 */
const PEAK_BOUND = 250 * MiB;

/** A control client by hand on the daemon's socket, which can stop reading (`pause`) as a stuck subscriber does. */
class RawSubscriber {
  readonly frames: Frame[] = [];
  closed = false;
  private rest = '';
  private nextId = 1;
  readonly socket: net.Socket;
  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      const lines = (this.rest + chunk.toString('utf8')).split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.frames.push(JSON.parse(line) as Frame);
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async open(socketPath: string, subscribe: { since?: number } = {}): Promise<RawSubscriber> {
    const socket = net.createConnection(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawSubscriber(socket);
    await client.request('hello', { protocol: 1, version: 'test', op_hashes: await localOpHashes() });
    await client.request('subscribe', { subscription: 'all', ...subscribe });
    return client;
  }

  async request(method: string, params: unknown): Promise<Frame> {
    const id = this.nextId++;
    this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    const answer = await pollUntil(async () => this.frames.find((f) => f.id === id), (f) => f !== undefined, `an answer to ${method}`, 10_000);
    if (answer.error !== undefined) throw new Error(`${method} failed: ${JSON.stringify(answer.error)}`);
    return answer;
  }

  /** The seqs of the facts this client was sent. */
  get seqs(): number[] {
    return this.frames.filter((f) => f.method === 'event' && typeof f.params?.seq === 'number').map((f) => f.params?.seq as number);
  }
}

/** The daemon's resident set now, in bytes, from /proc. */
const rssOf = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN) * 1024;

const logged = (home: string, message: string): number =>
  readFileSync(resolvePaths({ DISPATCH_HOME: home }).log, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"msg":"${message}"`)).length;

// Subscribers that stop reading while turns run, against a real daemon and the real app-server.
describe('slow subscribers', () => {
  let h: DispatchHarness;
  let follower: ChildProcess | undefined;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => {
    follower?.kill('SIGKILL');
    await h?.close();
  });

  it('are let go past their budget with their last seq and resume from it; memory stays bounded and a reader that keeps up gets everything', async () => {
    const lanes = ['l1', 'l2', 'l3', 'l4'];
    for (const lane of lanes) await h.ok(['new', '--name', lane, '--prefix', '', '--no-send']);
    const { daemon } = await h.ok<{ daemon: { pid: number } }>(['daemon', 'status']);
    const socketPath = resolvePaths({ DISPATCH_HOME: h.home }).socket;
    const baseline = rssOf(daemon.pid);

    const good = await RawSubscriber.open(socketPath);
    const from = good.frames.find((f) => f.id === 2)?.result?.['latest_seq'] as number;
    const stalled = await Promise.all([1, 2, 3, 4].map(() => RawSubscriber.open(socketPath)));
    for (const s of stalled) s.socket.pause();
    // `lane follow` as a process that stops (SIGSTOP), so it stops reading its socket.
    let followErr = '';
    let followOut = '';
    follower = spawn(process.execPath, [DISPATCH_BIN, 'lane', 'follow', 'l1', '--json'], { env: h.env, cwd: h.workspace, stdio: ['ignore', 'pipe', 'pipe'] });
    follower.stdout?.on('data', (c: Buffer) => (followOut += c.toString()));
    follower.stderr?.on('data', (c: Buffer) => (followErr += c.toString()));
    const followExit = new Promise<number | null>((resolve) => follower?.once('exit', (code) => resolve(code)));
    // Subscribed once a fact it is sent shows up: a turn sent before that would pass it by.
    await pollUntil(
      async () => {
        await h.ok(['goal', 'set', 'l1', 'be l1', '--status', 'paused']);
        return followOut;
      },
      (out) => out.includes('"goalUpdated"'),
      'lane follow subscribing',
      15_000,
    );
    await h.ok(['goal', 'clear', 'l1', '--yes']);
    await h.ok(['send', 'l1', '@sim reply following']);
    await pollUntil(async () => followOut, (out) => out.includes('following'), 'lane follow streaming', 20_000);
    follower.kill('SIGSTOP');

    // Each turn streams ~0.6 MB of events to every subscriber: 2000 small deltas (cheap for the daemon itself).
    const brief = path.join(h.home, 'brief.txt');
    writeFileSync(brief, `@sim slow 2000x1\n@sim reply ${'x'.repeat(40 * 1024)}`);
    await waitForLane(h, 'l1');
    for (const lane of lanes) {
      await h.ok(['send', lane, '--text-file', brief]);
      for (let i = 0; i < TURNS - 1; i++) await h.ok(['send', lane, '--text-file', brief, '--queue']);
    }
    // The stalled clients stay stalled for the whole workload.
    let peak = 0;
    await pollUntil(
      async () => {
        peak = Math.max(peak, rssOf(daemon.pid));
        // Every receipt holds its 400 KB text: more than the CLI runner's default 1 MB of output.
        const listed = await h.run(['queue', 'list', '--all', '--limit', '100'], { maxBuffer: 64 * MiB });
        return (listed.json as { deliveries: Array<{ state: string }> } | undefined)?.deliveries ?? [];
      },
      (d) => d.length === 1 + lanes.length * TURNS && d.every((r) => r.state === 'completed'),
      'every turn completing',
      180_000,
    );
    const held = rssOf(daemon.pid);

    console.log(`daemon RSS: ${Math.round(baseline / MiB)} MB at the start, ${Math.round(peak / MiB)} MB at the peak, ${Math.round(held / MiB)} MB once the turns ended, with ${stalled.length + 1} stalled subscribers`);
    expect(logged(h.home, 'control.slow_consumer')).toBe(stalled.length + 1);
    expect(peak - baseline).toBeLessThan(PEAK_BOUND);

    // A stalled client that reads again gets what was sent, then why it was let go and its last seq, then EOF.
    for (const s of stalled) s.socket.resume();
    await pollUntil(async () => stalled.every((s) => s.closed), (all) => all, 'the stalled clients reading to EOF', 40_000);
    const resumeFrom: number[] = [];
    for (const s of stalled) {
      const last = s.frames.at(-1);
      expect(last?.method).toBe('subscriptionEnded');
      expect(last?.params?.error?.data).toMatchObject({ code: 'limit_exceeded', limit: 'maxQueuedBytesPerConnection', max: CONTROL_LIMITS.maxQueuedBytesPerConnection });
      expect(last?.params?.error?.message).toMatch(/read too slowly/);
      const lastSeq = last?.params?.last_seq ?? -1;
      expect(lastSeq).toBe(Math.max(from, ...s.seqs));
      resumeFrom.push(lastSeq);
    }
    follower.kill('SIGCONT');
    // Let go, `lane follow` says why and resumes from the last seq the daemon sent it.
    await pollUntil(async () => followErr, (err) => /read too slowly.*--since \d+.*resuming after seq \d+/s.test(err), 'lane follow resuming', 40_000);
    await pollUntil(async () => followErr, (err) => err.includes('reconnected'), 'lane follow subscribed again', 40_000);
    follower.kill('SIGINT');
    expect(await followExit).toBe(0);

    const events = await h.run(['events', '--since', String(from), '--limit', '1000'], { maxBuffer: 64 * MiB });
    const all = (events.json as { events: Array<{ seq: number }> }).events.map((e) => e.seq);
    expect(all.length).toBeLessThan(1000);
    // The reader that kept up on the same daemon got every fact, once, in order.
    await pollUntil(async () => good.seqs.length, (n) => n >= all.length, 'the good subscriber catching up', 20_000);
    expect(good.seqs).toEqual(all);
    // A let-go client resumes from its last seq: the rest of the log, none missed or twice.
    const resumed = await RawSubscriber.open(socketPath, { since: Math.min(...resumeFrom) });
    const rest = all.filter((seq) => seq > Math.min(...resumeFrom));
    await pollUntil(async () => resumed.seqs.length, (n) => n >= rest.length, 'the resumed subscriber replaying', 20_000);
    expect(resumed.seqs).toEqual(rest);

    for (const s of [...stalled, resumed, good]) s.socket.destroy();
    // Reported, not asserted: V8 keeps freed pages, so RSS after they left says little under load
    // (it stayed at the peak in one CI run); the peak bound above is what proves the budget holds.
    console.log(`daemon RSS after they left: ${Math.round(rssOf(daemon.pid) / MiB)} MB`);
  }, 300_000);
});
