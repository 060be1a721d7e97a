import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readCodexVersion, resolveCodexBinary } from '../codex/binary.js';
import { DispatchError } from '../shared/errors.js';
import { DISPATCH_VERSION } from '../shared/version.js';
import { openStore } from '../store/index.js';
import { DaemonClient } from './client.js';
import { homeProblems } from './homeSecurity.js';
import { loadPeerCredentials } from './peerCredentials.js';
import { describeProviderKeys, readProviderKeys } from './providerKeys.js';
import type { DispatchPaths } from './paths.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DoctorReport {
  ok: boolean;
  version: string;
  checks: DoctorCheck[];
}

/** Diagnoses a dispatch home without needing the daemon to be healthy (or running). */
export async function runDoctor(paths: DispatchPaths): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const check = async (name: string, run: () => Promise<string> | string): Promise<void> => {
    try {
      checks.push({ name, ok: true, detail: await run() });
    } catch (error) {
      checks.push({ name, ok: false, detail: (error as Error).message });
    }
  };

  await check('codex binary', async () => {
    const binary = resolveCodexBinary();
    const report = await readCodexVersion(binary);
    if (!report.supported) throw new DispatchError('codex_missing', `codex ${report.version} at ${binary.path} is older than the minimum ${report.minimum}`);
    return `codex ${report.version} (minimum ${report.minimum}) at ${binary.path} [${binary.source}]`;
  });
  await check('codex auth', () => {
    const auth = path.join(paths.codexHome, 'auth.json');
    if (existsSync(auth)) return `${auth} present`;
    if (process.env['OPENAI_API_KEY'] || process.env['CODEX_API_KEY']) return 'API key in the environment';
    throw new Error(`no ${auth} and no OPENAI_API_KEY (run \`codex login\`, or use \`dispatch up --simulate\` to rehearse offline)`);
  });
  await check('home security', () => {
    const problems = homeProblems(paths);
    if (problems.length > 0) throw new Error(problems.join('; '));
    loadPeerCredentials();
    return `${paths.home} is yours and not writable by others, its files are 0600, the socket admits only uid ${process.getuid?.()}`;
  });
  await check('provider keys', () => {
    const keys = describeProviderKeys(readProviderKeys(paths.codexHome));
    if (!keys.ok) throw new Error(keys.detail);
    return keys.detail;
  });
  await check('daemon', async () => {
    try {
      const client = await DaemonClient.connect(paths.socket, { timeoutMs: 2000 });
      const detail = `running: pid ${client.hello.pid}, version ${client.hello.version}${client.matchesLocalBuild ? '' : ` (differs from this dispatch ${DISPATCH_VERSION})`}, ${client.hello.busy_lanes} busy lane(s)`;
      await client.close();
      return detail;
    } catch {
      const stale: string[] = [];
      if (existsSync(paths.socket)) stale.push(`stale socket ${paths.socket}`);
      if (existsSync(paths.pidfile)) stale.push(`stale pidfile ${paths.pidfile} (pid ${readFileSync(paths.pidfile, 'utf8').trim()})`);
      return stale.length > 0 ? `not running; ${stale.join(', ')} (\`dispatch down\` cleans up)` : 'not running (the CLI starts it on demand)';
    }
  });
  await check('registry', () => {
    if (!existsSync(paths.db)) return `${paths.db} not created yet`;
    const store = openStore({ path: paths.db });
    try {
      const integrity = store.integrity();
      if (!integrity.ok) throw new Error(`integrity check failed: ${integrity.detail}`);
      return `${paths.db}: schema version ${store.schemaVersion()}, ${statSync(paths.db).size} bytes, integrity ok`;
    } finally {
      store.close();
    }
  });
  return { ok: checks.every((c) => c.ok || c.name === 'codex auth'), version: DISPATCH_VERSION, checks };
}
