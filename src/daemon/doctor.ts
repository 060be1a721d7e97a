import { existsSync, readFileSync, statSync } from 'node:fs';
import { isLoggedIn, probeAccount } from '../codex/account.js';
import { readCodexVersion, resolveCodexBinary, type CodexBinary } from '../codex/binary.js';
import { DispatchError } from '../shared/errors.js';
import { DISPATCH_VERSION } from '../shared/version.js';
import { openStore } from '../store/index.js';
import { DaemonClient } from '../client/client.js';
import { homeProblems } from '../control/homeSecurity.js';
import { loadPeerCredentials } from './peerCredentials.js';
import { describeProviderKeys, readProviderKeys } from './providerKeys.js';
import { codexHomeFor, describeMode, readHomeMode } from '../control/homeMode.js';
import type { DoctorCheck, DoctorReport } from '../control/doctorReport.js';
import type { DispatchPaths } from '../control/paths.js';

/** Thrown by a check that found something worth a warning but not a failure. */
class DoctorWarning extends Error {
  readonly fix: string | undefined;
  constructor(message: string, fix?: string) {
    super(message);
    this.fix = fix;
  }
}

/** The part of `daemon status` that says whether codex runs. */
interface AppServerStatus {
  state: string;
  pid: number | null;
  last_exit: string | null;
  retry_at: string | null;
  problem: string | null;
}

/** The daemon's codex app-server: a fail while it is failed (no turn can run), a warning while it restarts. */
function codexStatus(app: AppServerStatus): string {
  if (app.state === 'running') return `codex app-server running (pid ${app.pid})`;
  const detail = `codex app-server ${app.state}${app.last_exit ? ` (last exit: ${app.last_exit})` : ''}${app.retry_at ? `, retried by itself at ${app.retry_at}` : ''}: ${app.problem ?? 'no turn can run'}`;
  if (app.state === 'failed') throw new DoctorFailure(detail, '`dispatch up` restarts it now; `dispatch daemon status` shows its state and dispatchd.log why it exited');
  throw new DoctorWarning(detail, 'wait a few seconds and check again; `dispatch up` restarts it now');
}

/** A failed check with how to fix it. */
class DoctorFailure extends Error {
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.fix = fix;
  }
}

/**
 * Diagnoses a dispatch home without needing the daemon to be healthy (or running). Runs in a
 * `dispatchd doctor` process: it opens the registry and asks codex, which the CLI process never loads.
 */
export async function runDoctor(paths: DispatchPaths, env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const check = async (name: string, run: () => Promise<string> | string): Promise<void> => {
    try {
      checks.push({ name, status: 'ok', ok: true, detail: await run() });
    } catch (error) {
      const warned = error instanceof DoctorWarning;
      const fix = error instanceof DoctorWarning || error instanceof DoctorFailure ? error.fix : undefined;
      checks.push({ name, status: warned ? 'warn' : 'fail', ok: warned, detail: (error as Error).message, ...(fix ? { fix } : {}) });
    }
  };

  let binary: CodexBinary | undefined;
  await check('codex binary', async () => {
    try {
      binary = resolveCodexBinary(env);
      const report = await readCodexVersion(binary);
      const where = `codex ${report.version} at ${binary.path} [${binary.source}]`;
      if (!report.supported) throw new DispatchError('codex_missing', `${where} is older than the minimum ${report.minimum}`);
      if (!report.tested) {
        throw new DoctorWarning(`${where} is newer than the tested range ${report.minimum}..${report.maximumTested}`, 'unset DISPATCH_CODEX_BIN to use the pinned codex, or expect wire differences');
      }
      return `${where} (tested range ${report.minimum}..${report.maximumTested})`;
    } catch (error) {
      if (error instanceof DoctorWarning) throw error;
      binary = undefined;
      throw new DoctorFailure((error as Error).message, env['DISPATCH_CODEX_BIN'] ? 'point DISPATCH_CODEX_BIN at a codex binary, or unset it to use the pinned one' : 'run `npm ci` (optional dependencies must not be omitted)');
    }
  });

  const recorded = (() => {
    try {
      return readHomeMode(paths);
    } catch {
      return undefined;
    }
  })();
  await check('mode', () => {
    const home = readHomeMode(paths);
    if (!home) return `not recorded yet: the first start records it (\`dispatch up\` real, \`dispatch up --simulate\` simulated)`;
    return `${describeMode(home)}; auto-start keeps it (switch: dispatch down && dispatch up --${home.mode === 'real' ? 'simulate' : 'real'}, refused while the home has lanes)`;
  });
  await check('home security', () => {
    const problems = homeProblems(paths);
    if (problems.length > 0) throw new Error(problems.join('; '));
    loadPeerCredentials();
    return `${paths.home} is yours and not writable by others, its files are 0600, the socket admits only uid ${process.getuid?.()}`;
  });
  await check('provider keys', () => {
    // The simulated home's provider key is dispatch's own; a real home's config is the user's.
    if (recorded?.mode === 'simulated') return 'not needed: the simulated provider needs no key of yours';
    const keys = describeProviderKeys(readProviderKeys(recorded?.codex_home ?? codexHomeFor(paths, 'real'), env));
    if (!keys.ok) throw new DoctorFailure(keys.detail, 'export the variable in the shell that starts the daemon, then `dispatch down && dispatch up`');
    return keys.detail;
  });

  await check('codex login', async () => {
    if (recorded?.mode === 'simulated') return 'not needed: this home runs the simulated provider';
    const codexHome = recorded?.codex_home ?? codexHomeFor(paths, 'real');
    if (!binary) throw new DoctorFailure('cannot ask codex: no usable codex binary', 'fix the codex binary check first');
    const account = await probeAccount(binary, codexHome);
    if (isLoggedIn(account)) return `logged in${account.type ? ` (${account.type})` : ''} in ${codexHome}`;
    throw new DoctorFailure(
      `codex is not logged in (account/read: no account) in ${codexHome}: real turns cannot reach the provider`,
      `run \`CODEX_HOME=${codexHome} codex login\` (or \`codex login --with-api-key\`), or rehearse offline in a new DISPATCH_HOME with \`dispatch up --simulate\``,
    );
  });

  await check('daemon', async () => {
    try {
      const client = await DaemonClient.connect(paths.socket, { timeoutMs: 2000 });
      const mode = client.hello.mode;
      const detail = `running: pid ${client.hello.pid}, version ${client.hello.version}${client.matchesLocalBuild ? '' : ` (differs from this dispatch ${DISPATCH_VERSION})`}, ${mode ? describeMode(mode) : 'mode unknown'}, ${client.hello.busy_lanes} busy lane(s)`;
      const app = client.matchesLocalBuild ? await client.call<{ app_server: AppServerStatus }>('daemon.status', {}).then((s) => s.app_server, () => undefined) : undefined;
      await client.close();
      return `${detail}${app ? `; ${codexStatus(app)}` : ''}`;
    } catch (error) {
      if (error instanceof DoctorWarning || error instanceof DoctorFailure) throw error;
      const stale: string[] = [];
      if (existsSync(paths.socket)) stale.push(`stale socket ${paths.socket}`);
      if (existsSync(paths.pidfile)) stale.push(`stale pidfile ${paths.pidfile} (pid ${readFileSync(paths.pidfile, 'utf8').trim()})`);
      if (stale.length > 0) throw new DoctorWarning(`not running; ${stale.join(', ')}`, '`dispatch down` cleans up');
      return 'not running (the CLI starts it on demand)';
    }
  });
  await check('registry', () => {
    if (!existsSync(paths.db)) return `${paths.db} not created yet`;
    const store = openStore({ path: paths.db });
    try {
      const integrity = store.integrity();
      if (!integrity.ok) throw new DoctorFailure(`integrity check failed: ${integrity.detail}`, 'restore the registry from a backup, or move it aside to start over');
      return `${paths.db}: schema version ${store.schemaVersion()}, ${statSync(paths.db).size} bytes, integrity ok`;
    } finally {
      store.close();
    }
  });
  return { ok: checks.every((c) => c.status !== 'fail'), version: DISPATCH_VERSION, checks };
}
