import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveCodexBinary } from '../../src/codex/binary.js';
import { startOrAwaitDaemon } from '../../src/client/client.js';
import { resolvePaths } from '../../src/control/paths.js';
import { DispatchError } from '../../src/shared/errors.js';
import { pollUntil, runCli, type CliResult } from '../helpers/dispatchHarness.js';

// A codex whose model-catalog probe (`codex debug models --bundled`) never ends: the probe is cut
// short, the daemon comes up without waiting it out, and an `up` that finds that daemon still
// starting waits for it instead of calling it unreachable.
const HANG_MODELS = fileURLToPath(new URL('../fixtures/bad-input/codex/hang-models', import.meta.url));

describe('a codex that hangs on the model-catalog probe', () => {
  let home: string | undefined;
  afterEach(async () => {
    if (!home) return;
    await runCli(['down'], { env: envFor(home), cwd: home });
    await rm(home, { recursive: true, force: true });
    home = undefined;
  });

  const envFor = (dir: string): NodeJS.ProcessEnv => ({
    PATH: process.env['PATH'],
    HOME: dir,
    DISPATCH_HOME: dir,
    CODEX_HOME: path.join(dir, 'no-codex-home'),
    NO_COLOR: '1',
    DISPATCH_CODEX_BIN: HANG_MODELS,
    FAKE_CODEX_REAL_BIN: resolveCodexBinary({}).path,
  });

  it('does not stall `up`; a second `up` while the daemon starts waits for it; lanes still run', { timeout: 120_000 }, async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'dsp-hang-'));
    const workspace = path.join(home, 'ws');
    await mkdir(workspace);
    const env = envFor(home);
    const cli = (args: string[]): Promise<CliResult> => runCli(args, { env, cwd: workspace, timeoutMs: 90_000 });
    const paths = resolvePaths({ DISPATCH_HOME: home });

    const began = Date.now();
    const first = cli(['up', '--simulate', '--json']);
    // The daemon holds the lock while it probes, before its socket exists: a second `up` now finds it starting.
    await pollUntil(async () => existsSync(paths.lock) && !existsSync(paths.socket), (starting) => starting, 'the daemon holding the lock while it starts', 20_000);
    const second = await cli(['up', '--simulate', '--json']);
    const firstResult = await first;
    const took = Date.now() - began;

    expect(firstResult.code, firstResult.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const started = firstResult.json as { status: string; pid: number };
    expect(started.status).toBe('started');
    expect(second.json).toMatchObject({ status: 'already_running', pid: started.pid });
    // The probe is given a few seconds, not the ~55 s `up` used to wait before giving up.
    expect(took).toBeLessThan(30_000);

    const log = readFileSync(paths.log, 'utf8');
    expect(log).toMatch(/"msg":"simulation\.model_catalog_unavailable"/);
    const created = await cli(['new', '--name', 'w', '--prefix', '', '--text', '@sim reply served', '--json']);
    expect(created.code, created.stderr).toBe(0);
    await pollUntil(async () => (await cli(['lane', 'get', 'w', '--json'])).json as Record<string, unknown>, (l) => l['last_agent_message'] === 'served', 'the turn ending', 40_000);
  });

  it('a lock held by a live process that never answers is already_running with its pid and "still starting", not unreachable', async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'dsp-lock-'));
    const paths = resolvePaths({ DISPATCH_HOME: home });
    // This test process stands in for a dispatchd that took the lock and never opened its socket.
    writeFileSync(paths.lock, String(process.pid), { mode: 0o600 });
    const error = await startOrAwaitDaemon(paths, { env: envFor(home), startTimeoutMs: 1500 }).catch((e: unknown) => e);
    rmSync(paths.lock, { force: true });
    expect(error).toBeInstanceOf(DispatchError);
    expect(error).toMatchObject({ code: 'already_running', data: { pid: process.pid, state: 'starting' } });
    expect((error as Error).message).toMatch(/still starting/);
    // Nothing was spawned to race it: no second daemon wrote to the log.
    expect(existsSync(paths.log)).toBe(false);
  });
});
