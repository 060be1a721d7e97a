import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppServerSupervisor } from '../../src/codex/supervisor.js';
import { startCodexHarness, type CodexHarness } from '../helpers/codexHarness.js';
import { PINNED_CODEX_VERSION } from '../helpers/pinnedCodex.js';

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
