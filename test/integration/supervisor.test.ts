import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppServerSupervisor } from '../../src/codex/supervisor.js';
import { startCodexHarness, type CodexHarness } from '../helpers/codexHarness.js';
import { PINNED_CODEX_VERSION } from '../helpers/pinnedCodex.js';
import { writeSwitchableCodex, type SwitchableCodex } from '../helpers/switchableCodex.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

// The supervisor restarts the real app-server after crashes, then gives up within its budget.
describe('app-server supervisor', () => {
  let harness: CodexHarness;
  beforeAll(async () => {
    harness = await startCodexHarness();
  });
  afterAll(async () => harness?.close());

  it('restarts after SIGKILL with a new connection generation, then reports failed when the budget is spent', async () => {
    const supervisor = new AppServerSupervisor({ codexHome: harness.codexHome, env: harness.env, maxRestarts: 2, restartWindowMs: 60_000, initialBackoffMs: 20 });
    const ready: Array<{ generation: number; restarted: boolean }> = [];
    supervisor.onReady((generation, restarted) => void ready.push({ generation, restarted }));
    supervisor.setServerRequestResponder(async () => ({}));
    await supervisor.start();
    try {
      expect(supervisor.info()).toMatchObject({ state: 'running', restarts: 0, codexVersion: PINNED_CODEX_VERSION });
      for (let crash = 1; crash <= 2; crash++) {
        const pid = supervisor.info().pid;
        supervisor.client().process?.kill('SIGKILL');
        await until(() => supervisor.info().state === 'running' && supervisor.info().pid !== pid);
        expect(supervisor.info()).toMatchObject({ restarts: crash, lastExit: 'signal SIGKILL' });
        // The new client answers requests.
        const { data } = await supervisor.client().request('thread/loaded/list', {});
        expect(Array.isArray(data)).toBe(true);
      }
      expect(ready.map((r) => r.generation)).toEqual([1, 2, 3]);
      expect(ready.map((r) => r.restarted)).toEqual([false, true, true]);
      supervisor.client().process?.kill('SIGKILL');
      await until(() => supervisor.info().state === 'failed');
      expect(() => supervisor.client()).toThrow(/failed/);
    } finally {
      await supervisor.stop();
    }
  }, 30_000);
});

// A spent budget is not permanent: the supervisor tries again once the window has passed, and a
// person can restart it at once (`dispatch up`).
describe('app-server supervisor with a codex that cannot start', () => {
  let harness: CodexHarness;
  let codex: SwitchableCodex;
  beforeAll(async () => {
    harness = await startCodexHarness();
    codex = writeSwitchableCodex(harness.dir);
  });
  afterAll(async () => harness?.close());

  async function failedSupervisor(restartWindowMs: number): Promise<AppServerSupervisor> {
    codex.fixIt();
    const supervisor = new AppServerSupervisor({ codexHome: harness.codexHome, env: harness.env, binary: { path: codex.path, source: 'env' }, maxRestarts: 1, restartWindowMs, initialBackoffMs: 20 });
    supervisor.setServerRequestResponder(async () => ({}));
    await supervisor.start();
    codex.breakIt();
    supervisor.client().process?.kill('SIGKILL');
    await until(() => supervisor.info().state === 'failed');
    return supervisor;
  }

  it('after the restart budget is spent, reports when it retries and starts again by itself once the window has passed', async () => {
    const supervisor = await failedSupervisor(1500);
    try {
      const failed = supervisor.info();
      expect(failed).toMatchObject({ state: 'failed', pid: null, restarts: 1 });
      expect(failed.lastExit).toMatch(/^start failed: .*broken on purpose/);
      expect(failed.retryAt).not.toBeNull();
      let refusal: unknown;
      try {
        supervisor.client();
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toMatchObject({ code: 'app_server', data: { failure: 'unavailable', state: 'failed', retry_at: failed.retryAt } });
      expect((refusal as Error).message).toMatch(/tries again by itself at .*dispatch up/);
      codex.fixIt();
      await until(() => supervisor.info().state === 'running');
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(failed.retryAt ?? ''));
      expect(supervisor.info()).toMatchObject({ restarts: 2, retryAt: null });
      const { data } = await supervisor.client().request('thread/loaded/list', {});
      expect(Array.isArray(data)).toBe(true);
    } finally {
      await supervisor.stop();
    }
  }, 30_000);

  it('restart() starts a failed app-server at once with a fresh budget, and says why when it cannot', async () => {
    const supervisor = await failedSupervisor(600_000);
    try {
      await expect(supervisor.restart()).rejects.toMatchObject({ code: 'app_server', message: expect.stringMatching(/did not start \(start failed: .*broken on purpose\)/) as string, data: { failure: 'unavailable' } });
      codex.fixIt();
      const info = await supervisor.restart();
      expect(info).toMatchObject({ state: 'running', retryAt: null });
      expect(supervisor.info().pid).not.toBeNull();
      // Running: a second request leaves it alone.
      expect((await supervisor.restart()).pid).toBe(info.pid);
    } finally {
      await supervisor.stop();
    }
  }, 30_000);
});
