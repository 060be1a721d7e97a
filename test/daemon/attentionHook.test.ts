import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttentionTransition } from '../../src/core/attention.js';
import type { Logger } from '../../src/core/context.js';
import type { Fact } from '../../src/core/facts.js';
import type { Lane } from '../../src/core/model.js';
import { createAttentionNotifier, startAttentionHook, type AttentionHook } from '../../src/daemon/attentionHook.js';
import { pollUntil } from '../helpers/dispatchHarness.js';

const dirs: string[] = [];
const hooks: AttentionHook[] = [];
afterEach(async () => {
  for (const hook of hooks.splice(0)) hook.stop();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsp-hook-'));
  dirs.push(dir);
  return dir;
}

function recordingLog(): Logger & { entries: Array<{ level: string; message: string; data?: Record<string, unknown> }> } {
  const entries: Array<{ level: string; message: string; data?: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, data?: Record<string, unknown>) => void entries.push({ level, message, ...(data ? { data } : {}) });
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

const transition = (laneId: string, patch: Partial<AttentionTransition> = {}): AttentionTransition => ({ laneId, handle: `@${laneId}`, attention: 'done-unread', reason: 'done', message: 'it is done', ...patch });
const read = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');
/** A killed process whose parent died too may stay a zombie until init reaps it: that is dead here. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = path.join('/proc', String(pid), 'stat');
  return !existsSync(stat) || !/^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8'));
};

describe('the attention hook runner', () => {
  it('runs the command through the shell with the DISPATCH_* variables and the daemon\'s environment', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'out');
    const hook = startAttentionHook(
      { command: `printf '%s|%s|%s|%s|%s|%s\\n' "$DISPATCH_LANE" "$DISPATCH_HANDLE" "$DISPATCH_ATTENTION" "$DISPATCH_REASON" "$DISPATCH_MESSAGE" "$FROM_DAEMON" >> ${out}`, timeoutSeconds: 10, maxRunning: 4 },
      { log: recordingLog(), env: { PATH: process.env['PATH'], FROM_DAEMON: 'inherited' } },
    );
    hooks.push(hook);
    hook.notify(transition('l1', { handle: '@[repo] one', attention: 'failed', reason: 'boom: it broke', message: "it's \"quoted\"" }));
    await pollUntil(async () => read(out), (text) => text.endsWith('\n'), 'the hook writing its line', 10_000);
    expect(read(out)).toBe('l1|@[repo] one|failed|boom: it broke|it\'s "quoted"|inherited\n');
  });

  it('kills a hook that outlives its timeout, with what it started, and logs it without the command or env values', async () => {
    const dir = await tempDir();
    const pids = path.join(dir, 'pids');
    const log = recordingLog();
    const hook = startAttentionHook({ command: `sleep 300 & echo $! >> ${pids}; wait`, timeoutSeconds: 0.5, maxRunning: 4 }, { log, env: { PATH: process.env['PATH'], SECRET_TOKEN: 'hunter2' } });
    hooks.push(hook);
    hook.notify(transition('l1'));
    const pid = Number((await pollUntil(async () => read(pids), (text) => text.endsWith('\n'), 'the hook starting its sleep', 10_000)).trim());
    expect(alive(pid)).toBe(true);
    await pollUntil(async () => alive(pid), (up) => !up, 'the hung hook\'s sleep being killed', 10_000);
    const timedOut = await pollUntil(async () => log.entries.find((e) => e.message === 'hooks.attention_timed_out'), (entry) => entry !== undefined, 'the timeout being logged', 10_000);
    expect(timedOut).toMatchObject({ level: 'warn', data: { lane: 'l1', attention: 'done-unread', timeoutSeconds: 0.5 } });
    expect(JSON.stringify(log.entries)).not.toMatch(/hunter2|sleep/);
  });

  it('logs a failing hook by its exit code only', async () => {
    const log = recordingLog();
    const hook = startAttentionHook({ command: 'echo "$SECRET_TOKEN" >&2; exit 3', timeoutSeconds: 10, maxRunning: 4 }, { log, env: { PATH: process.env['PATH'], SECRET_TOKEN: 'hunter2' } });
    hooks.push(hook);
    hook.notify(transition('l2'));
    const failed = await pollUntil(async () => log.entries.find((e) => e.message === 'hooks.attention_failed'), (entry) => entry !== undefined, 'the failure being logged', 10_000);
    expect(failed?.data).toMatchObject({ lane: 'l2', exitCode: 3 });
    expect(JSON.stringify(log.entries)).not.toContain('hunter2');
  });

  it('runs at most max_running hooks at once; the others wait their turn, none is lost', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'out');
    const release = path.join(dir, 'release');
    const command = `echo "start $DISPATCH_LANE" >> ${out}; while [ ! -f ${release} ]; do sleep 0.05; done; echo "end $DISPATCH_LANE" >> ${out}`;
    const hook = startAttentionHook({ command, timeoutSeconds: 30, maxRunning: 1 }, { log: recordingLog() });
    hooks.push(hook);
    for (const id of ['a', 'b', 'c']) hook.notify(transition(id));
    await pollUntil(async () => read(out), (text) => text.includes('start a'), 'the first hook starting', 10_000);
    // The first one holds the only slot until it is released: nobody else started meanwhile.
    expect(read(out)).toBe('start a\n');
    writeFileSync(release, '');
    const lines = await pollUntil(async () => read(out).trim().split('\n'), (l) => l.length === 6, 'every hook running', 10_000);
    expect(lines).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});

describe('the attention notifier', () => {
  const failing = (activeTurnId: string | null): Lane => ({
    id: 'l',
    handle: '@l',
    source: 'own',
    cwd: null,
    status: 'error',
    attention: 'failed',
    activeTurnId,
    settings: { sandbox: 'read-only', approvalPolicy: 'never' },
    ephemeral: false,
    latestTurn: activeTurnId ? { id: activeTurnId, status: 'inProgress', error: null, at: '2026-11-01T10:00:00Z' } : null,
    lastAgentMessage: null,
    worktree: null,
    createdAt: '',
    updatedAt: '',
    lastEventAt: null,
  });
  const collector = () => {
    const seen: AttentionTransition[] = [];
    return { seen, hook: { notify: (t: AttentionTransition) => void seen.push(t), stop: () => undefined } };
  };
  const systemError: Fact = { type: 'statusChanged', laneId: 'l', status: 'systemError', activeFlags: [] };

  it('holds a failure reported before its turn ended until codex says why', () => {
    const { seen, hook } = collector();
    const notifier = createAttentionNotifier(hook, 60_000);
    notifier.attentionChanged({ from: 'working', lane: failing('t1'), fact: systemError });
    expect(seen).toEqual([]);
    notifier.observe({ seq: 2, at: '', event: { type: 'turnError', laneId: 'l', turnId: 't1', error: { message: 'Reconnecting… 1/5' }, willRetry: true } });
    expect(seen).toEqual([]);
    notifier.observe({ seq: 3, at: '', event: { type: 'turnError', laneId: 'l', turnId: 't1', error: { message: 'provider down' }, willRetry: false } });
    notifier.observe({ seq: 4, at: '', event: { type: 'turnCompleted', laneId: 'l', turnId: 't1', outcome: 'failed', error: { message: 'provider down' } } });
    expect(seen.map((t) => [t.attention, t.reason])).toEqual([['failed', 'provider down']]);
    notifier.stop();
  });

  it('runs a held failure without its message once the grace time passed', async () => {
    const { seen, hook } = collector();
    const notifier = createAttentionNotifier(hook, 50);
    notifier.attentionChanged({ from: 'working', lane: failing('t1'), fact: systemError });
    await pollUntil(async () => seen.length, (n) => n === 1, 'the held failure going out', 5000);
    expect(seen[0]).toMatchObject({ attention: 'failed', reason: 'failed' });
  });

  it('passes a failure with nothing to wait for at once', () => {
    const { seen, hook } = collector();
    const notifier = createAttentionNotifier(hook, 60_000);
    const lost = { ...failing(null), latestTurn: { id: 't1', status: 'failed' as const, error: { message: 'codex app-server exited during the turn' }, at: '' } };
    notifier.attentionChanged({ from: 'working', lane: lost, fact: { type: 'turnLost', laneId: 'l', turnId: 't1', error: { message: 'codex app-server exited during the turn' } } });
    expect(seen.map((t) => t.reason)).toEqual(['codex app-server exited during the turn']);
  });
});
