import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codexTmpDir, startSimulatedProvider, writeSimulatedCodexHome, type SimulatedProvider } from '../../src/simulator/index.js';
import { bundledCatalog } from '../helpers/codexHarness.js';
import { pollUntil, readRequestLog, runCli, startDispatchHarness, waitForLane, type CliResult, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Lane = { status: string; latest_turn: { status: string; error: { message: string } | null } | null };

const PROVIDER_KEY_VALUE = 'custom-key-value-7d1f';
const MARKER = 'proxy-marker-3c9a';

const cli = (args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliResult> => runCli(args, { env, cwd });

// The daemon runs on the user's own codex home (no --simulate): its provider is the simulated
// one, reached through an env_key of the user's choosing, as an Azure or OpenRouter config would be.
describe('the app-server inherits the environment of whoever started the daemon', () => {
  let dir: string;
  let provider: SimulatedProvider;
  let env: NodeJS.ProcessEnv;
  let workspace: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsp-env-'));
    workspace = path.join(dir, 'ws');
    await mkdir(workspace);
    const codexHome = path.join(dir, 'codex-home');
    provider = await startSimulatedProvider();
    const { configPath } = await writeSimulatedCodexHome({ codexHome, providerUrl: provider.url, bundledModelsJson: await bundledCatalog() });
    const config = await readFile(configPath, 'utf8');
    await writeFile(configPath, config.replace(/^env_key = .*$/m, 'env_key = "MY_PROVIDER_API_KEY"'));
    env = {
      PATH: process.env['PATH'],
      HOME: dir,
      DISPATCH_HOME: path.join(dir, 'home'),
      CODEX_HOME: codexHome,
      TMPDIR: codexTmpDir(codexHome),
      MY_PROVIDER_API_KEY: PROVIDER_KEY_VALUE,
      MY_PROXY_MARKER: MARKER,
      NO_COLOR: '1',
    };
  }, 60_000);

  afterAll(async () => {
    await cli(['down'], env, workspace);
    await provider?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('completes a turn through a custom env_key, and codex sees the variables but not DISPATCH_*', async () => {
    const doctor = await cli(['doctor', '--json'], env, workspace);
    const keys = (doctor.json as { checks: Array<{ name: string; ok: boolean; detail: string }> }).checks.find((c) => c.name === 'provider keys');
    expect(keys).toMatchObject({ ok: true, detail: 'dispatch-sim: MY_PROVIDER_API_KEY set' });

    // Auto-started by the first call, as a user's `dispatch new` would.
    const created = await cli(['new', '--name', 'envy', '--prefix', '', '--text', '@sim shell printenv MY_PROXY_MARKER DISPATCH_HOME; echo end'], env, workspace);
    expect(created.code, created.stderr).toBe(0);
    const done = (await waitForLaneAt(env, workspace, 'envy')) as Lane;
    expect(done.latest_turn?.error, JSON.stringify(provider.requests.filter((r) => r.error))).toBeNull();
    expect(done.latest_turn?.status).toBe('completed');
    const output = provider.requests.map((r) => r.lastToolOutput ?? '').join('\n');
    expect(output).toContain(MARKER);
    expect(output).toContain('end');
    expect(output).not.toContain(env['DISPATCH_HOME']);

    // No variable value is written by dispatch: not to its log, not to the registry.
    const home = env['DISPATCH_HOME'] ?? '';
    for (const file of ['dispatchd.log', 'registry.db', 'registry.db-wal']) {
      const bytes = await readFile(path.join(home, file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(PROVIDER_KEY_VALUE), file).toBe(false);
    }
  }, 90_000);

  it('doctor names a provider whose env_key is not set, never a value', async () => {
    const { MY_PROVIDER_API_KEY: _unset, ...without } = env;
    const doctor = await cli(['doctor', '--json'], without, workspace);
    const keys = (doctor.json as { checks: Array<{ name: string; ok: boolean; detail: string }> }).checks.find((c) => c.name === 'provider keys');
    expect(keys?.ok).toBe(false);
    expect(keys?.detail).toContain('provider dispatch-sim needs MY_PROVIDER_API_KEY, which is not set');
  });
});

function waitForLaneAt(env: NodeJS.ProcessEnv, cwd: string, lane: string, timeoutMs = 45_000): Promise<Record<string, unknown>> {
  const read = async (): Promise<Record<string, unknown> | undefined> => (await cli(['lane', 'get', lane], env, cwd)).json as Record<string, unknown> | undefined;
  const settled = (value: Record<string, unknown> | undefined): value is Record<string, unknown> => value !== undefined && value['status'] !== 'busy' && value['status'] !== 'waiting_approval';
  return pollUntil(read, settled, `lane ${lane} settling`, timeoutMs);
}

describe('a simulated daemon hands codex no real provider key', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness({ daemonEnv: { OPENAI_API_KEY: 'sk-real-5e2b', CODEX_API_KEY: 'codex-real-8a4d' } });
  }, 60_000);
  afterAll(async () => h?.close());

  it('keeps OPENAI_API_KEY and CODEX_API_KEY out of the agent commands and the request log', async () => {
    await h.ok(['new', '--name', 'sim', '--prefix', '', '--text', '@sim shell env; echo end']);
    const done = (await waitForLane(h, 'sim')) as Lane;
    expect(done.latest_turn?.status).toBe('completed');
    const log = JSON.stringify(readRequestLog(h.home));
    expect(log).toContain('end');
    expect(log).not.toContain('sk-real-5e2b');
    expect(log).not.toContain('codex-real-8a4d');
  }, 60_000);
});
