import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { DispatchError } from '../shared/errors.js';

/** The oldest codex app-server whose wire protocol dispatch has been verified against. */
export const MIN_CODEX_VERSION = '0.160.1';

/** The newest codex dispatch is tested against: the pinned @openai/codex. Newer ones run, with a doctor warning. */
export const MAX_TESTED_CODEX_VERSION = '0.171.0';

/** The platform package and vendor folder of each target the @openai/codex shim knows. */
const TARGETS: Record<string, { triple: string; pkg: string }> = {
  'linux-x64': { triple: 'x86_64-unknown-linux-musl', pkg: '@openai/codex-linux-x64' },
  'linux-arm64': { triple: 'aarch64-unknown-linux-musl', pkg: '@openai/codex-linux-arm64' },
  'darwin-x64': { triple: 'x86_64-apple-darwin', pkg: '@openai/codex-darwin-x64' },
  'darwin-arm64': { triple: 'aarch64-apple-darwin', pkg: '@openai/codex-darwin-arm64' },
  'win32-x64': { triple: 'x86_64-pc-windows-msvc', pkg: '@openai/codex-win32-x64' },
  'win32-arm64': { triple: 'aarch64-pc-windows-msvc', pkg: '@openai/codex-win32-arm64' },
};

export interface CodexBinary {
  /** Absolute path of the native executable (never the node shim). */
  path: string;
  /** Where it came from: the DISPATCH_CODEX_BIN override or the pinned npm dependency. */
  source: 'env' | 'npm';
  /** Root of the @openai/codex package, passed on as CODEX_MANAGED_PACKAGE_ROOT like the shim does. */
  packageRoot?: string;
}

/**
 * Finds the native codex binary. The npm shim would spawn it as a second process on Node 20,
 * so dispatch resolves the platform package itself and spawns the binary directly.
 */
export function resolveCodexBinary(env: NodeJS.ProcessEnv = process.env): CodexBinary {
  const override = env['DISPATCH_CODEX_BIN'];
  if (override) {
    if (!existsSync(override)) {
      throw new DispatchError('codex_missing', `DISPATCH_CODEX_BIN points at ${override}, which does not exist`);
    }
    return { path: path.resolve(override), source: 'env' };
  }
  const target = TARGETS[`${process.platform}-${process.arch}`];
  if (!target) {
    throw new DispatchError('codex_missing', `codex has no build for ${process.platform}-${process.arch}`);
  }
  const require = createRequire(import.meta.url);
  let packageRoot: string;
  let vendorRoot: string;
  try {
    packageRoot = realpathSync(path.dirname(require.resolve('@openai/codex/package.json')));
    const platformRequire = createRequire(path.join(packageRoot, 'package.json'));
    vendorRoot = path.join(path.dirname(platformRequire.resolve(`${target.pkg}/package.json`)), 'vendor');
  } catch (cause) {
    throw new DispatchError(
      'codex_missing',
      `the pinned @openai/codex package or its platform package ${target.pkg} is not installed (run \`npm ci\`; optional dependencies must not be omitted)`,
      { cause },
    );
  }
  const exe = path.join(vendorRoot, target.triple, 'bin', process.platform === 'win32' ? 'codex.exe' : 'codex');
  if (!existsSync(exe)) {
    throw new DispatchError('codex_missing', `codex binary not found at ${exe}`);
  }
  return { path: exe, source: 'npm', packageRoot };
}

/** Parses `codex-cli 0.169.0` (or a bare version) into its version string. */
export function parseCodexVersion(text: string): string | undefined {
  return /(\d+\.\d+\.\d+(?:[-.][0-9A-Za-z.-]+)?)/.exec(text)?.[1];
}

/** Compares dotted versions numerically; a pre-release suffix sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const split = (v: string): [number[], string] => {
    const [core = '', pre = ''] = v.split(/-(.*)/s);
    return [core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre];
  };
  const [ca, pa] = split(a);
  const [cb, pb] = split(b);
  for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
    const d = (ca[i] ?? 0) - (cb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (pa === pb) return 0;
  if (!pa) return 1;
  if (!pb) return -1;
  // Pre-release identifiers compare numerically when numeric (alpha.10 > alpha.9), as semver says.
  const ia = pa.split('.');
  const ib = pb.split('.');
  for (let i = 0; i < Math.max(ia.length, ib.length); i++) {
    const x = ia[i];
    const y = ib[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x) ? Number(x) : Number.NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : Number.NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return Math.sign(nx - ny);
    if (!Number.isNaN(nx)) return -1;
    if (!Number.isNaN(ny)) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export interface CodexVersionReport {
  version: string;
  minimum: string;
  maximumTested: string;
  supported: boolean;
  /** Within MIN_CODEX_VERSION..MAX_TESTED_CODEX_VERSION. */
  tested: boolean;
}

/** Runs `codex --version` and checks it against the range dispatch supports; a binary that cannot say is `codex_missing`. */
export async function readCodexVersion(binary: CodexBinary): Promise<CodexVersionReport> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(binary.path, ['--version'], { timeout: 10_000 }));
  } catch (cause) {
    const e = cause as { code?: unknown; stderr?: string; message: string };
    const why = typeof e.code === 'number' ? `exited ${e.code}${e.stderr?.trim() ? `: ${e.stderr.trim().split('\n').slice(-1)[0]}` : ''}` : e.message;
    throw new DispatchError('codex_missing', `\`${binary.path} --version\` failed (${why}); is it a codex binary?`, { cause });
  }
  const version = parseCodexVersion(stdout);
  if (!version) throw new DispatchError('codex_missing', `could not read a version from \`${binary.path} --version\`: ${stdout.trim()}`);
  const supported = compareVersions(version, MIN_CODEX_VERSION) >= 0;
  return { version, minimum: MIN_CODEX_VERSION, maximumTested: MAX_TESTED_CODEX_VERSION, supported, tested: supported && compareVersions(version, MAX_TESTED_CODEX_VERSION) <= 0 };
}

/** Like readCodexVersion, but a version below the minimum is refused with `codex_missing`. */
export async function requireSupportedCodex(binary: CodexBinary): Promise<CodexVersionReport> {
  const report = await readCodexVersion(binary);
  if (!report.supported) {
    throw new DispatchError('codex_missing', `codex ${report.version} at ${binary.path} is older than the minimum ${report.minimum} dispatch supports`, {
      data: { version: report.version, minimum: report.minimum },
    });
  }
  return report;
}

/** Runs one codex sub-command to completion (generators, `debug models`); returns stdout. One that outlives `timeoutMs` is killed (SIGKILL). */
export async function runCodex(binary: CodexBinary, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(binary.path, args, { timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL', env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
