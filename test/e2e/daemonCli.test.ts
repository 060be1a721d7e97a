import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOp } from '../../src/contracts/index.js';
import { ERROR_TABLE } from '../../src/shared/errors.js';
import { DISPATCHD_BIN, pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Lane = { id: string; handle: string; status: string; latest_turn: { id: string; status: string; error: { message: string } | null } | null; last_agent_message: string | null };
type Item = { type: string; text: string | null };

/** A reply the simulated model streams over about `seconds` (one character per 100 ms). */
const slow = (seconds: number, words = 'slow reply'): string => `@sim slow ${seconds * 10}x100\n@sim reply ${words.padEnd(seconds * 10, '.')}`;

// The built CLI as a process, against a real daemon on a real Unix socket, running the real codex
// app-server on the simulated provider.
describe('dispatch CLI against a running daemon', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  it('creates a lane with a first message; it goes busy then idle and tail shows the reply', async () => {
    const created = await h.ok<Lane & { message_accepted: boolean }>(['new', '--name', 'alpha', '--prefix', '', '--text', '@sim reply Hello from the simulated model.']);
    expect(created.handle).toBe('@alpha');
    expect(created.message_accepted).toBe(true);
    expect(created.status).toBe('busy');
    const done = (await waitForLane(h, '@alpha')) as Lane;
    expect(done.status).toBe('idle');
    expect(done.latest_turn?.status).toBe('completed');
    const tail = await h.ok<{ items: Item[] }>(['lane', 'tail', 'alpha']);
    expect(tail.items.map((i) => i.type)).toEqual(['userMessage', 'agentMessage']);
    expect(tail.items[1]?.text).toBe('Hello from the simulated model.');
    const log = await h.ok<{ actions: Array<{ op: string; lane: string }> }>(['daemon', 'log', '--lane', 'alpha']);
    expect(log.actions.map((a) => a.op)).toEqual(['send', 'new']);
  });

  it('refuses a plain send to a busy lane, steers it, queues behind it, and stops it', async () => {
    await h.ok(['new', '--name', 'beta', '--prefix', '', '--text', slow(6)]);
    const busy = await h.run(['send', 'beta', 'are you there?']);
    expect(busy.code).toBe(5);
    // core names the send modes that would work; the CLI phrases them as flags in text mode.
    expect((JSON.parse(busy.stderr.trim()) as { error: { code: string; data: { modes: string[] } } }).error).toMatchObject({ code: 'lane_busy', data: { modes: ['steer', 'queue', 'interject'] } });
    const steered = await h.ok<{ op: string; turn_id: string }>(['send', 'beta', 'steered words', '--steer']);
    expect(steered.op).toBe('steer');
    const done = (await waitForLane(h, 'beta')) as Lane;
    expect(done.last_agent_message).toBe('Echo: steered words');

    await h.ok(['send', '@beta', slow(6, 'long one')]);
    for (const n of [1, 2, 3]) {
      const queued = await h.ok<{ receipt: number; state: string; pending: number }>(['send', 'beta', `@sim reply queued ${n}`, '--queue']);
      expect(queued).toMatchObject({ state: 'queued', pending: n });
    }
    const conflict = await h.run(['send', 'beta', 'x', '--queue', '--steer']);
    expect(conflict.code).toBe(2);
    const stopped = await h.ok<{ op: string }>(['stop', 'beta']);
    expect(stopped.op).toBe('stop');
    await waitForLane(h, 'beta', (l) => l['status'] === 'idle' && (l['last_agent_message'] as string) === 'queued 3', 30_000);
    const tail = await h.ok<{ items: Item[] }>(['lane', 'tail', 'beta', '--limit', '100']);
    const replies = tail.items.filter((i) => i.type === 'agentMessage').map((i) => i.text);
    expect(replies.slice(-3)).toEqual(['queued 1', 'queued 2', 'queued 3']);
    const shown = await h.ok<Lane>(['lane', 'get', 'beta']);
    expect(shown.status).toBe('idle');
  });

  it('interjects and injects context', async () => {
    await h.ok(['new', '--name', 'gamma', '--prefix', '', '--text', slow(6, 'will be cut')]);
    const interject = await h.ok<{ op: string; detail: string }>(['send', 'gamma', '@sim reply replacement', '--interject']);
    expect(interject.op).toBe('interject');
    const done = (await waitForLane(h, 'gamma', (l) => l['status'] === 'idle' && l['last_agent_message'] === 'replacement')) as Lane;
    expect(done.latest_turn?.status).toBe('completed');
    const ctx = await h.ok<{ op: string; turn_id: string | null }>(['send', 'gamma', 'remember the number 42', '--context']);
    expect(ctx.op).toBe('context');
    expect(ctx.turn_id).toBeNull();
  });

  it('forks, rolls back, archives and restores', async () => {
    await h.ok(['new', '--name', 'origin', '--prefix', '', '--text', '@sim reply Hello from the simulated model.']);
    await waitForLane(h, 'origin');
    const fork = await h.ok<Lane & { forked_from: string }>(['lane', 'fork', 'origin', '--name', 'origin-copy']);
    expect(fork.handle).toBe('@origin-copy');
    const origin = await h.ok<Lane>(['lane', 'get', 'origin']);
    expect(fork.forked_from).toBe(origin.id);
    const forkTail = await h.ok<{ items: Item[] }>(['lane', 'tail', 'origin-copy']);
    expect(forkTail.items.some((i) => i.text === 'Hello from the simulated model.')).toBe(true);

    await h.ok(['send', 'origin', '@sim reply second turn']);
    await waitForLane(h, 'origin');
    const rolled = await h.ok<{ dropped_turns: number; remaining_turns: number }>(['lane', 'rollback', 'origin', '--turns', '1', '--yes']);
    expect(rolled).toMatchObject({ dropped_turns: 1, remaining_turns: 1 });
    const after = await h.ok<{ items: Item[] }>(['lane', 'tail', 'origin']);
    expect(after.items.map((i) => i.text)).not.toContain('second turn');

    const archived = await h.ok<Lane>(['lane', 'archive', 'origin-copy', '--yes']);
    expect(archived.status).toBe('archived');
    const list = await h.ok<{ lanes: Lane[] }>(['lane', 'list']);
    expect(list.lanes.map((l) => l.handle)).not.toContain('@origin-copy');
    const restored = await h.ok<Lane>(['lane', 'restore', 'origin-copy']);
    expect(restored.status).toBe('idle');
  });

  it('rejects bad input with typed errors and exit codes', async () => {
    const unknownLane = await h.run(['lane', 'get', 'nope']);
    expect(unknownLane.code).toBe(4);
    const badOption = await h.run(['lane', 'tail', 'alpha', '--limit', 'many']);
    expect(badOption.code).toBe(2);
    const unknownFlag = await h.run(['lane', 'list', '--bogus']);
    expect(unknownFlag.code).toBe(2);
    const schema = await h.ok<{ op: string; errors: Array<{ code: string; exit: number }>; input: { properties: Record<string, unknown> } }>(['schema', 'lane', 'get']);
    expect(schema.op).toBe('lane.get');
    // The declared codes with their exit codes from the one error table, so a script knows what to expect.
    expect(schema.errors).toEqual(findOp('lane.get')?.errors.map((code) => ({ code, exit: ERROR_TABLE[code].exit, summary: ERROR_TABLE[code].summary })));
    expect(schema.errors).toContainEqual(expect.objectContaining({ code: 'not_found', exit: 4 }));
    expect(Object.keys(schema.input.properties)).toContain('lane');
  });

  it('keeps serving after malformed control frames and unknown fields', async () => {
    const socketPath = path.join(h.home, 'dispatchd.sock');
    const replies = await new Promise<string>((resolve, reject) => {
      const socket = net.createConnection(socketPath);
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString();
        if (data.split('\n').filter(Boolean).length >= 5) socket.end();
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      // hello first: calls before it are refused (controlLimits.test.ts covers that).
      socket.write('{"id":3,"method":"hello","params":{"protocol":1,"version":"0","op_hashes":{}}}\n');
      socket.write('this is not json\n');
      socket.write('[1,2,3]\n');
      socket.write('{"id":1,"method":"call","params":{"op":"roster","input":{"surprise":true},"input_hash":"x","cwd":"/"}}\n');
      socket.write('{"id":2,"method":"no/such/method","params":{}}\n');
    });
    const lines = replies.trim().split('\n').map((l) => JSON.parse(l) as { id: number | null; error?: { code: number; data?: { code: string } }; result?: unknown });
    expect(lines.filter((l) => l.id === null).map((l) => l.error?.data?.code)).toEqual(['protocol', 'protocol']);
    expect(lines.find((l) => l.id === 1)?.error?.data?.code).toBe('version_skew');
    expect(lines.find((l) => l.id === 2)?.error?.data?.code).toBe('not_found');
    expect(lines.find((l) => l.id === 3)?.result).toBeDefined();
    const strict = await h.run(['lane', 'list']);
    expect(strict.code).toBe(0);
  });

  it('refuses a second daemon for the same home and keeps the first one serving', async () => {
    const up = await h.ok<{ status: string }>(['up']);
    expect(up.status).toBe('already_running');
    const second = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [DISPATCHD_BIN, 'run', '--simulate'], { env: h.env });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(second.code).toBe(13);
    expect(second.stderr).toContain('already running');
    expect((await h.run(['daemon', 'status'])).code).toBe(0);
  });

  it('survives kill -9 of the app-server mid-turn: restarts it, records the failure, and the next send works', async () => {
    const before = await h.ok<{ app_server: { pid: number; restarts: number } }>(['daemon', 'status']);
    await h.ok(['new', '--name', 'delta', '--prefix', '', '--text', slow(10, 'doomed')]);
    await waitForLane(h, 'delta', (l) => l['status'] === 'busy');
    process.kill(before.app_server.pid, 'SIGKILL');
    const failed = (await waitForLane(h, 'delta', (l) => l['status'] === 'error')) as Lane;
    expect(failed.latest_turn?.status).toBe('failed');
    expect(failed.latest_turn?.error?.message).toMatch(/exited during the turn/);
    const status = await pollUntil(
      () => h.ok<{ app_server: { pid: number | null; restarts: number } }>(['daemon', 'status']),
      (s) => s.app_server.pid !== null && s.app_server.pid !== before.app_server.pid,
      'the app-server restarting',
      10_000,
    );
    expect(status.app_server.restarts).toBe(before.app_server.restarts + 1);
    expect(status.app_server.pid).not.toBe(before.app_server.pid);
    await h.ok(['send', 'delta', '@sim reply alive again']);
    const recovered = (await waitForLane(h, 'delta')) as Lane;
    expect(recovered.status).toBe('idle');
    expect(recovered.last_agent_message).toBe('alive again');
  });

  // The socket's mode (0600) is checked, with the other files of the home, in homeSecurity.test.ts.
  it('writes its log file', () => {
    expect(existsSync(path.join(h.home, 'dispatchd.log'))).toBe(true);
    expect(readFileSync(path.join(h.home, 'dispatchd.log'), 'utf8')).toContain('daemon.started');
  });
});
