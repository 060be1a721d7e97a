import { describe, expect, it } from 'vitest';
import { CodexAppServer } from '../../src/codex/appServerAdapter.js';
import type { CodexClient } from '../../src/codex/client.js';
import type { AppServerInfo } from '../../src/core/ports.js';

// After an app-server restart the lanes' threads are loaded again before any turn may start:
// a turn/start that overtakes thread/resume is answered "thread not found" (seen under load).
describe('turns wait while the lanes are resumed', () => {
  function adapter() {
    const calls: string[] = [];
    const client = {
      turnStart: async () => {
        calls.push('turn/start');
        return { id: 'T1' };
      },
      turnSteer: async () => {
        calls.push('turn/steer');
        return 'T1';
      },
      request: async (method: string) => {
        calls.push(method);
        return {};
      },
    } as unknown as CodexClient;
    const info = { state: 'running' } as AppServerInfo;
    return { calls, appServer: new CodexAppServer(() => client, () => info, async () => info) };
  }

  it('holds turn/start, turn/steer and context until the resume settles, then sends them in order', async () => {
    const { calls, appServer } = adapter();
    let resumed!: () => void;
    appServer.holdTurnsUntil(new Promise<void>((resolve) => (resumed = resolve)));
    const settings = { sandbox: 'read-only' as const, approvalPolicy: 'never' as const };
    const started = appServer.startTurn('thread', { text: 'hi', cwd: '/w', settings });
    const steered = appServer.steerTurn('thread', { expectedTurnId: 'T1', text: 'more' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([]);
    resumed();
    await Promise.all([started, steered]);
    expect(calls).toEqual(['turn/start', 'turn/steer']);
  });

  it('lets turns go when the resume fails (each lane then reports its own error)', async () => {
    const { calls, appServer } = adapter();
    appServer.holdTurnsUntil(Promise.reject(new Error('resume failed')));
    await appServer.injectContext('thread', 'note');
    expect(calls.length).toBe(1);
  });
});
