import { describe, expect, it } from 'vitest';
import { executeOp } from '../../src/daemon/executor.js';
import { FakeAppServer } from '../helpers/fakeAppServer.js';
import { contextWithAlpha } from '../contracts/opContext.js';

type AppServerView = { state: string; restarts: number; retry_at: string | null; problem: string | null };

describe('codex restart and daemon status while codex is down', () => {
  it('status says what is wrong and when it retries; restart starts it and audits it; a running one is left alone', async () => {
    const fake = new FakeAppServer();
    const ctx = await contextWithAlpha(':memory:', fake);
    fake.goDown('failed');
    const status = (await executeOp('daemon.status', {}, ctx)) as { app_server: AppServerView };
    expect(status.app_server).toMatchObject({ state: 'failed', retry_at: fake.info().retryAt, problem: fake.info().problem });
    expect(status.app_server.problem).not.toBeNull();

    const restarted = (await executeOp('codex.restart', {}, ctx)) as { restarted: boolean; app_server: AppServerView };
    expect(restarted).toMatchObject({ restarted: true, app_server: { state: 'running', restarts: 1, retry_at: null, problem: null } });
    expect(ctx.store.audit.recent({ limit: 1 })[0]).toMatchObject({ op: 'codex.restart', detail: 'was failed', outcome: 'ok' });

    expect(await executeOp('codex.restart', {}, ctx)).toMatchObject({ restarted: false, app_server: { restarts: 1 } });
  });
});
