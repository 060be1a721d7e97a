import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISPATCH_BIN, runCli, startDispatchHarness, waitForLane, type CliResult, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Up = { status: string; mode: string | null; codex_home: string | null; login: { ok: boolean; detail: string } | null; warnings: string[] };
type Status = { daemon: { mode: string; codex_home: string }; app_server: { account: { logged_in: boolean } | null } };
type Doctor = { ok: boolean; checks: Array<{ name: string; status: string; ok: boolean; detail: string; fix?: string }> };
type Lane = { status: string; last_agent_message: string | null; latest_turn: { status: string; error: { message: string; details?: string } | null } | null };

const errorOf = (result: CliResult): { code: string; message: string } => (JSON.parse(result.stderr.trim().split('\n').pop() ?? '{}') as { error: { code: string; message: string } }).error;

// The mode (simulated or real, and its codex home) belongs to the dispatch home: recorded on the
// first start, reused by every auto-start, shown by up, daemon status and doctor.
describe('a dispatch home keeps its mode', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  it('an auto-started daemon comes back simulated: the lane resumes and takes a send', async () => {
    await h.ok(['new', '--name', 'keeper', '--prefix', '', '--text', '@sim reply first']);
    await waitForLane(h, 'keeper');
    const mode = JSON.parse(await readFile(path.join(h.home, 'mode.json'), 'utf8')) as { mode: string; codex_home: string };
    expect(mode).toEqual({ mode: 'simulated', codex_home: path.join(h.home, 'sim', 'codex-home') });
    expect((await stat(path.join(h.home, 'mode.json'))).mode & 0o777).toBe(0o600);

    expect(await h.ok(['down'])).toMatchObject({ status: 'stopped' });
    // `lane list` starts the daemon on demand, with no mode flag.
    const list = await h.ok<{ lanes: Array<{ handle: string }> }>(['lane', 'list']);
    expect(list.lanes.map((l) => l.handle)).toContain('@keeper');
    const status = await h.ok<Status>(['daemon', 'status']);
    expect(status.daemon).toMatchObject({ mode: 'simulated', codex_home: mode.codex_home });
    await h.ok(['send', 'keeper', '@sim reply after the restart']);
    const done = (await waitForLane(h, 'keeper')) as Lane;
    expect(done).toMatchObject({ status: 'idle', last_agent_message: 'after the restart', latest_turn: { status: 'completed', error: null } });

    const up = await h.ok<Up>(['up', '--json']);
    expect(up).toMatchObject({ status: 'already_running', mode: 'simulated', codex_home: mode.codex_home, login: { ok: true } });
  }, 120_000);

  it('a daemon auto-started by an MCP call comes back simulated too', async () => {
    await h.ok(['new', '--name', 'mcp-kept', '--prefix', '', '--no-send']);
    await h.ok(['down']);
    const client = new Client({ name: 'dispatch-test', version: '0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [DISPATCH_BIN, 'mcp'], env: h.env as Record<string, string>, cwd: h.workspace, stderr: 'pipe' }));
    try {
      const status = await client.callTool({ name: 'dispatch_daemon_read', arguments: { op: 'daemon.status' } });
      expect(status.isError).toBeFalsy();
      expect((status.structuredContent as Status).daemon.mode).toBe('simulated');
      const sent = await client.callTool({ name: 'dispatch_lane_write', arguments: { op: 'send', lane: 'mcp-kept', text: '@sim reply over MCP' } });
      expect(sent.isError).toBeFalsy();
      await waitForLane(h, 'mcp-kept', (l) => l['status'] === 'idle' && l['last_agent_message'] === 'over MCP');
    } finally {
      await client.close();
    }
  }, 120_000);

  it('up --real against the running simulated daemon says what runs and how to switch', async () => {
    const refused = await h.run(['up', '--real', '--json']);
    expect(refused.code).toBe(10);
    const error = errorOf(refused);
    expect(error.code).toBe('conflict');
    expect(error.message).toContain('simulated mode');
    expect(error.message).toContain('dispatch down && dispatch up --real');
    expect((await h.ok<Up>(['up', '--simulate', '--json'])).status).toBe('already_running');
  });

  it('doctor shows the mode and the running daemon; a simulated home needs no codex login nor provider key', async () => {
    // The user's own codex config (unused by a simulated home) names a key that is not set.
    const userCodexHome = h.env['CODEX_HOME'] ?? '';
    await mkdir(userCodexHome, { recursive: true });
    await writeFile(path.join(userCodexHome, 'config.toml'), '[model_providers.azure]\nname = "Azure"\nenv_key = "UNSET_AZURE_KEY_FOR_TEST"\n');
    const report = await h.ok<Doctor>(['doctor', '--json']);
    expect(report.ok).toBe(true);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName['mode']?.detail).toContain('simulated mode');
    expect(byName['daemon']?.detail).toContain('simulated mode');
    expect(byName['codex login']).toMatchObject({ status: 'ok' });
    expect(byName['provider keys']?.status).toBe('ok');
    expect(byName['provider keys']?.detail).toContain('not needed');
    await rm(path.join(userCodexHome, 'config.toml'));
  });

  it('switching a home that has lanes is refused at start, and the recorded mode still starts', async () => {
    await h.ok(['new', '--name', 'stays-simulated', '--prefix', '', '--no-send']);
    const lanes = (await h.ok<{ lanes: unknown[] }>(['lane', 'list'])).lanes.length;
    await h.ok(['down']);
    const refused = await h.run(['up', '--real', '--json']);
    expect(refused.code).toBe(10);
    expect(errorOf(refused).message).toMatch(new RegExp(`has ${lanes} lane\\(s\\).*cannot resume in real mode`));
    expect(await h.ok<Up>(['up', '--json'])).toMatchObject({ status: 'started', mode: 'simulated' });
  }, 60_000);
});

/** A loopback port nobody listens on: a provider codex cannot reach, without leaving the machine. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Real mode, hermetically: CODEX_HOME is an empty temp dir, no API key in the environment, and the
// OpenAI base URL points at a closed loopback port.
describe('real mode without a codex login', () => {
  let h: DispatchHarness;
  let codexHome: string;
  beforeAll(async () => {
    h = await startDispatchHarness();
    await h.run(['down']);
    await rm(h.home, { recursive: true, force: true });
    await mkdir(path.join(h.home, 'ws'), { recursive: true });
    codexHome = path.join(h.home, 'no-codex-home');
    await mkdir(codexHome);
    const config = `openai_base_url = "http://127.0.0.1:${await closedPort()}/v1"\ncheck_for_update_on_startup = false\n[analytics]\nenabled = false\n[feedback]\nenabled = false\n[features]\nplugins = false\nshell_snapshot = false\n`;
    await writeFile(path.join(codexHome, 'config.toml'), config);
  }, 60_000);
  afterAll(async () => h?.close());

  it('up says codex is not logged in and how to fix it; doctor fails with the fix', async () => {
    await h.run(['down']);
    const up = await h.run(['up', '--real', '--json']);
    expect(up.code).toBe(0);
    const shown = up.json as Up;
    expect(shown).toMatchObject({ status: 'started', mode: 'real', codex_home: codexHome, login: { ok: false } });
    expect(shown.login?.detail).toContain('not logged in');
    expect(shown.login?.detail).toContain('codex login');
    expect(up.stderr).toContain('warning: codex is not logged in');
    const status = await h.ok<Status>(['daemon', 'status']);
    expect(status).toMatchObject({ daemon: { mode: 'real', codex_home: codexHome }, app_server: { account: { logged_in: false } } });

    const doctor = await h.run(['doctor', '--json']);
    expect(doctor.code).toBe(1);
    const report = doctor.json as Doctor;
    expect(report.ok).toBe(false);
    const login = report.checks.find((c) => c.name === 'codex login');
    expect(login).toMatchObject({ status: 'fail', ok: false });
    expect(login?.fix).toContain(`CODEX_HOME=${codexHome} codex login`);
  }, 90_000);

  it('a turn that cannot reach its provider shows why in lane get instead of a bare busy', async () => {
    expect((await h.run(['up', '--real', '--json'])).code).toBe(0);
    await h.ok(['new', '--name', 'stuck', '--prefix', '', '--text', 'hello']);
    const lane = (await waitForLane(h, 'stuck', (l) => (l as Lane).latest_turn?.error != null, 60_000)) as Lane;
    expect(lane.status).toBe('busy');
    expect(lane.latest_turn?.status).toBe('inProgress');
    expect(lane.latest_turn?.error?.message).toMatch(/Reconnecting/);
    expect(lane.latest_turn?.error?.details).toMatch(/Connection refused|error sending request/);
    await h.ok(['stop', 'stuck']);
  }, 90_000);
});

describe('a codex binary dispatch cannot use is refused at start', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsp-bin-'));
    env = { PATH: process.env['PATH'], HOME: dir, NO_COLOR: '1', CODEX_HOME: path.join(dir, 'codex-home') };
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const script = async (name: string, body: string): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  };
  const up = async (name: string, bin: string, extra: NodeJS.ProcessEnv = {}): Promise<{ result: CliResult; log: string }> => {
    const home = path.join(dir, name);
    const result = await runCli(['up', '--real', '--json'], { env: { ...env, ...extra, DISPATCH_HOME: home, DISPATCH_CODEX_BIN: bin }, cwd: dir });
    return { result, log: await readFile(path.join(home, 'dispatchd.log'), 'utf8').catch(() => '') };
  };

  it('a missing binary exits 9 with the real message, and the daemon log has no logger crash', async () => {
    const { result, log } = await up('missing', path.join(dir, 'no-such-codex'));
    expect(result.code).toBe(9);
    expect(errorOf(result)).toMatchObject({ code: 'codex_missing', message: expect.stringMatching(/DISPATCH_CODEX_BIN points at .*no-such-codex, which does not exist/) as string });
    expect(log).not.toContain('sonic boom');
    expect(log).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('a codex older than the minimum is refused with codex_missing', async () => {
    const { result } = await up('old', await script('codex-old', 'echo codex-cli 0.1.0'));
    expect(result.code).toBe(9);
    expect(errorOf(result)).toMatchObject({ code: 'codex_missing', message: expect.stringContaining('0.1.0') as string });
    expect(errorOf(result).message).toContain('older than the minimum 0.160.1');
  }, 60_000);

  it('a binary whose --version fails is refused with codex_missing', async () => {
    const { result } = await up('broken', await script('codex-broken', 'exit 1'));
    expect(result.code).toBe(9);
    expect(errorOf(result)).toMatchObject({ code: 'codex_missing', message: expect.stringContaining('--version') as string });
  }, 60_000);

  it('an app-server that never answers initialize makes up fail with that cause', async () => {
    const silent = await script('codex-silent', 'if [ "$1" = "--version" ]; then echo codex-cli 0.171.0; exit 0; fi\nexec sleep 600');
    const started = Date.now();
    const { result } = await up('silent', silent, { DISPATCH_INITIALIZE_TIMEOUT_MS: '1500' });
    expect(result.code).toBe(8);
    expect(errorOf(result)).toMatchObject({ code: 'app_server', message: expect.stringContaining('failed to initialize') as string });
    expect(errorOf(result).message).toMatch(/initialize/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
