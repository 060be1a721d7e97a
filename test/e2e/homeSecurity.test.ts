import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TABLE } from '../../src/shared/errors.js';
import { CONTROL_PROTOCOL_VERSION } from '../../src/control/protocol.js';
import { runCli, startDispatchHarness, waitForLane, type CliResult, type DispatchHarness } from '../helpers/dispatchHarness.js';

const NOBODY = 65534;

function cli(args: string[], home: string): Promise<CliResult> {
  const env = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, CODEX_HOME: path.join(home, 'no-codex-home'), NO_COLOR: '1' };
  return runCli(args, { env, cwd: os.tmpdir() });
}

function errorOf(result: CliResult): { code: string; message: string } {
  return (JSON.parse(result.stderr.trim()) as { error: { code: string; message: string } }).error;
}

const mode = async (file: string): Promise<string> => ((await stat(file)).mode & 0o777).toString(8);

describe('a home only its owner can use', () => {
  const temps: string[] = [];
  const tempHome = async (): Promise<string> => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dsp-sec-'));
    temps.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const dir of temps.splice(0)) {
      await cli(['down'], dir);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a home writable by others, saying how to fix it (exit 15, unsafe_home)', async () => {
    const home = await tempHome();
    await chmod(home, 0o777);
    for (const args of [['up', '--simulate', '--json'], ['lane', 'list', '--json']]) {
      const result = await cli(args, home);
      expect(result.code, result.stderr).toBe(ERROR_TABLE.unsafe_home.exit);
      expect(errorOf(result).code).toBe('unsafe_home');
      expect(errorOf(result).message).toContain(`chmod go-w ${home}`);
    }
    expect(existsSync(path.join(home, 'dispatchd.log'))).toBe(false);
  });

  it('refuses a home another user owns', async () => {
    const home = await tempHome();
    await chown(home, NOBODY, NOBODY);
    const result = await cli(['up', '--simulate', '--json'], home);
    expect(result.code, result.stderr).toBe(ERROR_TABLE.unsafe_home.exit);
    expect(errorOf(result).message).toContain(`owned by uid ${NOBODY}`);
  });

  it('refuses a home whose subdirectory another user can write into', async () => {
    const home = await tempHome();
    await mkdir(path.join(home, 'sim'), { mode: 0o700 });
    await chmod(path.join(home, 'sim'), 0o777);
    const result = await cli(['up', '--simulate', '--json'], home);
    expect(result.code, result.stderr).toBe(ERROR_TABLE.unsafe_home.exit);
    expect(errorOf(result).message).toContain(path.join(home, 'sim'));
  });

  it('never writes through a symlink planted for the log or the registry', async () => {
    for (const file of ['dispatchd.log', 'registry.db']) {
      const home = await tempHome();
      const target = path.join(await tempHome(), 'target');
      await symlink(target, path.join(home, file));
      const result = await cli(['up', '--simulate', '--json'], home);
      expect(result.code, `${file}: ${result.stderr}`).toBe(ERROR_TABLE.unsafe_home.exit);
      expect(errorOf(result).message).toContain('symlink');
      expect(existsSync(target), file).toBe(false);
    }
  });

  it('refuses a lock (or socket) file another user left in the home instead of obeying it', async () => {
    for (const file of ['dispatchd.lock', 'dispatchd.sock']) {
      const home = await tempHome();
      await writeFile(path.join(home, file), '1');
      await chown(path.join(home, file), NOBODY, NOBODY);
      const result = await cli(['up', '--simulate', '--json'], home);
      expect(result.code, `${file}: ${result.stderr}`).toBe(ERROR_TABLE.unsafe_home.exit);
      expect(errorOf(result).message).toContain(`${path.join(home, file)} is owned by uid ${NOBODY}`);
    }
  });
});

describe('files and the control socket of a running daemon', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  it('creates the registry, its WAL and SHM, log, pidfile, lock, socket and request log 0600', async () => {
    await h.ok(['new', '--name', 'modes', '--prefix', '', '--text', '@sim reply private']);
    await waitForLane(h, 'modes');
    const files = ['registry.db', 'registry.db-wal', 'registry.db-shm', 'dispatchd.log', 'dispatchd.pid', 'dispatchd.lock', 'dispatchd.sock', 'sim/requests.jsonl'];
    const modes = Object.fromEntries(await Promise.all(files.map(async (f) => [f, await mode(path.join(h.home, f))] as const)));
    expect(modes).toEqual(Object.fromEntries(files.map((f) => [f, '600'])));
    expect(await mode(h.home)).toBe('700');
    const doctor = await h.ok<{ checks: Array<{ name: string; ok: boolean; detail: string }> }>(['doctor']);
    expect(doctor.checks.find((c) => c.name === 'home security')?.ok).toBe(true);
  });

  it('doctor reports a registry file others can read', async () => {
    const db = path.join(h.home, 'registry.db');
    await chmod(db, 0o644);
    try {
      const doctor = await h.run(['doctor', '--json']);
      const check = (doctor.json as { checks: Array<{ name: string; ok: boolean; detail: string }> }).checks.find((c) => c.name === 'home security');
      expect(check?.ok).toBe(false);
      expect(check?.detail).toContain(`chmod 600 ${db}`);
    } finally {
      await chmod(db, 0o600);
    }
  });

  /** Connects as `uid` (via setpriv when it is not ours), says hello, and returns what came back before the socket closed. */
  const helloAs = (uid: number): Promise<string> => {
    const script = `
      const socket = require('node:net').connect(process.argv[1]);
      let got = '';
      const deadline = setTimeout(() => socket.destroy(), 10000);
      socket.on('connect', () => socket.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'hello', params: { protocol: ${CONTROL_PROTOCOL_VERSION}, version: 'test', op_hashes: {} } }) + '\\n'));
      socket.on('data', (d) => { got += d; if (got.includes('\\n')) socket.end(); });
      socket.on('error', () => undefined);
      socket.on('close', () => { clearTimeout(deadline); process.stdout.write(got); });`;
    const socket = path.join(h.home, 'dispatchd.sock');
    const [command, args] = uid === process.getuid?.()
      ? [process.execPath, ['-e', script, socket]]
      : ['setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, '-e', script, socket]];
    return new Promise((resolve, reject) => {
      execFile(command, args, { cwd: '/', timeout: 20_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}: ${stderr}`)) : resolve(stdout)));
    });
  };

  it('answers its own user on the control socket and refuses a peer with another uid (SO_PEERCRED)', async () => {
    // Open the way for the other user, as a careless chmod would: only the peer check is left.
    await chmod(h.home, 0o711);
    await chmod(path.join(h.home, 'dispatchd.sock'), 0o666);
    try {
      expect(await helloAs(process.getuid?.() ?? 0)).toContain('"op_hashes"');
      expect(await helloAs(NOBODY)).toBe('');
      const log = await readFile(path.join(h.home, 'dispatchd.log'), 'utf8');
      expect(log).toContain('"msg":"control.peer_refused"');
      expect(log).toContain(`"peer_uid":${NOBODY}`);
    } finally {
      await chmod(path.join(h.home, 'dispatchd.sock'), 0o600);
      await chmod(h.home, 0o700);
    }
  });
});
