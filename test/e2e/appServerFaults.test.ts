import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TABLE } from '../../src/shared/errors.js';
import { pollUntil, startDispatchHarness, waitForLane, type CliResult, type DispatchHarness } from '../helpers/dispatchHarness.js';
import { writeSwitchableCodex, type SwitchableCodex } from '../helpers/switchableCodex.js';

type AppServerStatus = { state: string; pid: number | null; restarts: number; last_exit: string | null; retry_at: string | null; problem: string | null };
type Receipt = { receipt: number; state: string; error: string | null };
type Doctor = { ok: boolean; checks: Array<{ name: string; status: string; detail: string; fix?: string }> };

const errorOf = (result: CliResult): { code: string; message: string; data?: Record<string, unknown> } =>
  (JSON.parse(result.stderr.trim()) as { error: { code: string; message: string; data?: Record<string, unknown> } }).error;

// The daemon runs the real codex through a script that can be made to exit at once, so the
// app-server can be killed and kept from coming back, deterministically.
describe('while the codex app-server is down', () => {
  let h: DispatchHarness;
  let codex: SwitchableCodex;
  const binDir = mkdtempSync(path.join(os.tmpdir(), 'dsp-bin-'));
  beforeAll(async () => {
    codex = writeSwitchableCodex(binDir);
    h = await startDispatchHarness({ daemonEnv: { DISPATCH_CODEX_BIN: codex.path } });
  }, 60_000);
  afterAll(async () => {
    codex?.fixIt();
    await h?.close();
    rmSync(binDir, { recursive: true, force: true });
  });

  const appServer = async (): Promise<AppServerStatus> => (await h.ok<{ app_server: AppServerStatus }>(['daemon', 'status'])).app_server;

  /** Kills the running app-server with codex broken, so its restarts fail. */
  async function killCodex(): Promise<void> {
    const { pid } = await pollUntil(appServer, (a) => a.state === 'running' && a.pid !== null, 'the app-server running');
    codex.breakIt();
    process.kill(pid ?? 0, 'SIGKILL');
    await pollUntil(appServer, (a) => a.state !== 'running', 'the app-server going down', 10_000);
  }

  it('a queued message sent while it restarts stays queued, and goes out by itself when codex is back', async () => {
    await h.ok(['new', '--name', 'waiter', '--prefix', '', '--text', '@sim reply first']);
    await waitForLane(h, 'waiter');
    await killCodex();
    const queued = await h.ok<Receipt>(['send', 'waiter', '@sim reply delivered after the restart', '--queue']);
    expect(queued.state).toBe('queued');
    codex.fixIt();
    const delivered = await pollUntil(() => h.ok<Receipt>(['delivery', 'get', String(queued.receipt)]), (r) => r.state === 'completed', 'the queued message delivered', 30_000);
    expect(delivered.error).toBeNull();
    expect((await waitForLane(h, 'waiter'))['last_agent_message']).toBe('delivered after the restart');
  }, 60_000);

  it('once the restart budget is spent: status, doctor and refused calls say why and what to run; `up` restarts codex and the queue drains', async () => {
    await h.ok(['new', '--name', 'patient', '--prefix', '', '--text', '@sim reply ready']);
    await waitForLane(h, 'patient');
    await killCodex();
    const failed = await pollUntil(appServer, (a) => a.state === 'failed', 'the restart budget spent', 30_000);
    expect(failed.retry_at).not.toBeNull();
    expect(failed.last_exit).toMatch(/start failed/);
    expect(failed.problem).toMatch(/tries again by itself at .*`dispatch up`/);

    const queued = await h.ok<Receipt>(['send', 'patient', '@sim reply back in business', '--queue']);
    expect(queued.state).toBe('queued');
    const refused = await h.run(['send', 'patient', 'right now']);
    expect(refused.code).toBe(ERROR_TABLE.app_server.exit);
    expect(errorOf(refused)).toMatchObject({ code: 'app_server', data: { state: 'failed', retry_at: failed.retry_at } });
    expect(errorOf(refused).message).toMatch(/`dispatch up`/);

    const doctor = await h.run(['doctor', '--json']);
    expect(doctor.code).toBe(1);
    const daemonCheck = (doctor.json as Doctor).checks.find((c) => c.name === 'daemon');
    expect(daemonCheck).toMatchObject({ status: 'fail' });
    expect(daemonCheck?.detail).toMatch(/codex app-server failed/);
    expect(daemonCheck?.fix).toMatch(/dispatch up/);

    codex.fixIt();
    const up = await h.ok<{ status: string; app_server: { state: string; restarted: boolean } }>(['up', '--json']);
    expect(up).toMatchObject({ status: 'already_running', app_server: { state: 'running', restarted: true } });
    const delivered = await pollUntil(() => h.ok<Receipt>(['delivery', 'get', String(queued.receipt)]), (r) => r.state === 'completed', 'the queued message delivered', 30_000);
    expect(delivered.error).toBeNull();
    expect((await waitForLane(h, 'patient'))['last_agent_message']).toBe('back in business');
    expect((await appServer()).problem).toBeNull();
  }, 90_000);
});
