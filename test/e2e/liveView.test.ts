import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../src/client/client.js';
import { DISPATCH_BIN, pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

interface Fact {
  seq: number;
  type: string;
  lane: string;
  handle?: string;
  [field: string]: unknown;
}

interface Streaming {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  lines: () => unknown[];
}

/** The built CLI as a long-running process (a follower), its output collected as it comes. */
function start(h: DispatchHarness, args: string[]): Streaming {
  const child = spawn(process.execPath, [DISPATCH_BIN, ...args], { env: h.env, cwd: h.workspace, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = (): unknown[] =>
    stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown);
  return { child, exited, stdout: () => stdout, stderr: () => stderr, lines };
}

// `events --follow` and `lane tail --follow`: live views that resume, through the built CLI and a real daemon.
describe('live view', () => {
  let h: DispatchHarness;
  const running: ChildProcess[] = [];
  const follow = (args: string[]): Streaming => {
    const s = start(h, args);
    running.push(s.child);
    return s;
  };
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterEach(() => {
    for (const child of running.splice(0)) child.kill('SIGKILL');
  });
  afterAll(async () => h?.close());

  const socket = (): string => path.join(h.home, 'dispatchd.sock');

  /** Every fact after `since` as `events` pages it. */
  const logAfter = async (since: number): Promise<Fact[]> => {
    const facts: Fact[] = [];
    let cursor = since;
    for (;;) {
      const page = await h.ok<{ events: Fact[]; next_since: number }>(['events', '--since', String(cursor), '--limit', '1000']);
      facts.push(...page.events);
      if (page.events.length < 1000) return facts;
      cursor = page.next_since;
    }
  };

  it('events --follow prints the backlog, then live facts appended across the seam, each once in order, and Ctrl-C exits 0', { timeout: 90_000 }, async () => {
    const { id } = await h.ok<{ id: string }>(['new', '--name', 'seam', '--prefix', '', '--no-send']);
    const { latest_seq: from } = await h.ok<{ latest_seq: number }>(['events', '--limit', '1']);
    // A writer appends facts (renames) as fast as the daemon takes them, before, while and after the follower starts.
    const writer = await DaemonClient.connect(socket());
    let renames = 0;
    let writing = true;
    const written = (async () => {
      while (writing) await writer.call('lane.rename', { lane: id, name: `seam-${++renames}` });
    })();
    await pollUntil(async () => renames, (n) => n >= 50, 'a backlog of renames');
    const follower = follow(['events', '--follow', '--since', String(from), '--json']);
    await pollUntil(async () => follower.lines().length, (n) => n >= 100, 'the follower printing backlog and live facts');
    const before = renames;
    await pollUntil(async () => renames, (n) => n >= before + 50, 'renames while the follower is live');
    writing = false;
    await written;
    await writer.close();
    const log = await logAfter(from);
    await pollUntil(async () => (follower.lines().at(-1) as Fact | undefined)?.seq, (seq) => seq === log.at(-1)?.seq, 'the follower reaching the end of the log');
    const printed = follower.lines() as Fact[];
    expect(printed.map((f) => f.seq)).toEqual(log.map((f) => f.seq));
    // Live facts print as the backlog does: the events op's shape, with the lane's handle at the time.
    expect(printed.at(-1)).toMatchObject({ type: 'laneRenamed', lane: id, handle: `@seam-${renames}` });
    expect(printed.at(-1)).toEqual(log.at(-1));
    follower.child.kill('SIGINT');
    expect(await follower.exited, follower.stderr()).toBe(0);
  });

  it('events --follow resumes after a daemon restart from the last seq it printed, saying once that the daemon is down', { timeout: 120_000 }, async () => {
    await h.ok(['new', '--name', 'restarted', '--prefix', '', '--no-send']);
    const { latest_seq: from } = await h.ok<{ latest_seq: number }>(['events', '--limit', '1']);
    const follower = follow(['events', '--follow', '--lane', 'restarted', '--json']);
    // Subscribed once a fact it is sent shows up (without --since it starts at the log's end).
    await pollUntil(
      async () => {
        await h.ok(['send', 'restarted', '@sim reply before the restart']);
        await waitForLane(h, 'restarted');
        return follower.lines().length;
      },
      (n) => n > 0,
      'the follower subscribed',
    );
    await pollUntil(async () => follower.stdout(), (out) => out.includes('"turnCompleted"'), 'the first turn printed');
    expect((await h.run(['down'])).code).toBe(0);
    await pollUntil(async () => follower.stderr(), (err) => err.includes('unreachable'), 'the follower saying the daemon is down');
    expect((await h.run(['up', '--simulate'])).code).toBe(0);
    await h.ok(['send', 'restarted', '@sim reply after the restart']);
    await waitForLane(h, 'restarted');
    const { id } = await h.ok<{ id: string }>(['lane', 'get', 'restarted']);
    const log = (await logAfter(from)).filter((f) => f.lane === id);
    await pollUntil(async () => (follower.lines().at(-1) as Fact | undefined)?.seq, (seq) => seq === log.at(-1)?.seq, 'the follower printing what came after the restart');
    const printed = follower.lines() as Fact[];
    const firstPrinted = printed[0]?.seq ?? 0;
    expect(printed.map((f) => f.seq)).toEqual(log.filter((f) => f.seq >= firstPrinted).map((f) => f.seq));
    expect(printed.some((f) => f.type === 'turnCompleted' && f['lastAgentMessage'] === 'after the restart')).toBe(true);
    expect(follower.stderr().match(/unreachable/g)).toHaveLength(1);
    expect(follower.stderr()).toContain('reconnected');
    follower.child.kill('SIGINT');
    expect(await follower.exited).toBe(0);
  });

  it('lane tail --follow shows the transcript, then streams live with no bound until Ctrl-C', { timeout: 90_000 }, async () => {
    await h.ok(['new', '--name', 'tailed', '--prefix', '', '--text', '@sim reply earlier words']);
    await waitForLane(h, 'tailed');
    const tail = follow(['lane', 'tail', 'tailed', '--follow', '--json']);
    await pollUntil(async () => tail.lines().length, (n) => n >= 1, 'the transcript printed');
    const [transcript] = tail.lines() as Array<{ items: Array<{ type: string; text: string | null }> }>;
    expect(transcript?.items.map((i) => i.text)).toContain('earlier words');
    await h.ok(['send', 'tailed', '@sim shell echo live-output\n@sim reply later words']);
    await pollUntil(async () => tail.stdout(), (out) => out.includes('"turnCompleted"'), 'the live turn streamed');
    const live = tail.lines().slice(1) as Array<{ type: string; delta?: string; item?: { type: string; exitCode?: number } }>;
    expect(live.filter((e) => e.type === 'agentMessageDelta').map((e) => e.delta).join('')).toBe('later words');
    expect(live.find((e) => e.type === 'itemCompleted' && e.item?.type === 'commandExecution')?.item?.exitCode).toBe(0);
    // Still streaming after the turn ended: a second turn shows up too.
    await h.ok(['send', 'tailed', '@sim reply and more']);
    await pollUntil(async () => tail.stdout(), (out) => out.includes('and more'), 'the next turn streamed');
    tail.child.kill('SIGINT');
    expect(await tail.exited, tail.stderr()).toBe(0);
  });

  it('lane wait answers with the lane once it needs you, then once it is done, saying why; past --timeout it exits 11 with a typed timeout', { timeout: 90_000 }, async () => {
    await h.ok(['new', '--name', 'waited', '--prefix', '', '--no-send']);
    expect(await h.ok(['lane', 'wait', 'waited', '--until', 'idle'])).toMatchObject({ reason: 'already', fact: null, until: 'idle' });
    const needsYou = h.run(['lane', 'wait', 'waited', '--until', 'needs-you', '--timeout', '60']);
    // Whether the wait's process registered before the question came is a race: either way it answers with the lane needing you
    // (test/core/lane/wait.test.ts shows it waking on the fact).
    await h.ok(['send', 'waited', '@sim ask color: Which color? | Red | Blue\n@sim reply {{last_tool_output}}']);
    const asked = await needsYou;
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.json).toMatchObject({ until: 'needs-you', lane: { attention: 'needs-you' } });
    const done = h.run(['lane', 'wait', 'waited', '--until', 'done', '--timeout', '60']);
    const { requests } = await h.ok<{ requests: Array<{ id: number }> }>(['request', 'list', '--lane', 'waited']);
    await h.ok(['request', 'respond', String(requests[0]?.id), '--answer', 'Blue']);
    const finished = await done;
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.json).toMatchObject({ until: 'done', lane: { attention: 'done-unread', last_agent_message: '{"answers":{"color":{"answers":["Blue"]}}}' } });
    const timedOut = await h.run(['lane', 'wait', 'waited', '--until', 'failed', '--timeout', '0.2', '--json']);
    expect(timedOut.code).toBe(11);
    expect(JSON.parse(timedOut.stderr)).toMatchObject({ error: { code: 'timeout', data: { until: 'failed', attention: 'done-unread' } } });
  });
});
