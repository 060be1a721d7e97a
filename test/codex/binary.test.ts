import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { MAX_TESTED_CODEX_VERSION, MIN_CODEX_VERSION, compareVersions, parseCodexVersion, readCodexVersion, requireSupportedCodex, resolveCodexBinary } from '../../src/codex/binary.js';
import { DispatchError } from '../../src/shared/errors.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PINNED = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['@openai/codex'];

/** The first bytes of a file (the binary is ~300 MB: never read it whole). */
function headerOf(file: string, bytes = 2): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

describe('compareVersions', () => {
  it.each<[string, string, number]>([
    ['0.169.0', '0.160.1', 1],
    ['0.160.1', '0.169.0', -1],
    ['0.169.0', '0.169.0', 0],
    ['0.144.0-alpha.4', '0.144.0', -1],
    ['0.144.0', '0.144.0-alpha.4', 1],
    ['0.144.0-alpha.4', '0.144.0-alpha.4', 0],
    ['0.144.0-alpha.4', '0.144.0-beta.1', -1],
    ['0.144.0-alpha.4', '0.143.9', 1],
    ['1.0.0', '0.999.999', 1],
    // Numeric, not lexicographic.
    ['0.10.0', '0.9.0', 1],
    ['0.160.10', '0.160.9', 1],
    // Missing parts count as 0.
    ['1.2', '1.2.0', 0],
  ])('compareVersions(%s, %s) = %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  // Regression: pre-release suffixes were compared as whole strings, so alpha.10 sorted before alpha.9.
  it('compares numeric pre-release identifiers numerically (alpha.10 > alpha.9)', () => {
    expect(compareVersions('0.144.0-alpha.10', '0.144.0-alpha.9')).toBe(1);
    expect(compareVersions('0.144.0-alpha.9', '0.144.0-alpha.10')).toBe(-1);
    // semver: numeric identifiers sort before alphanumeric ones, and a longer set wins a tie.
    expect(compareVersions('1.0.0-alpha.1', '1.0.0-alpha.beta')).toBe(-1);
    expect(compareVersions('1.0.0-alpha', '1.0.0-alpha.1')).toBe(-1);
    expect(compareVersions('1.0.0-rc.1', '1.0.0-beta.11')).toBe(1);
  });
});

describe('parseCodexVersion', () => {
  it('reads the version from `codex --version` output', () => {
    expect(parseCodexVersion('codex-cli 0.169.0')).toBe('0.169.0');
    expect(parseCodexVersion('codex-cli 0.169.0\n')).toBe('0.169.0');
    expect(parseCodexVersion('0.160.1')).toBe('0.160.1');
    expect(parseCodexVersion('codex-cli 0.144.0-alpha.4')).toBe('0.144.0-alpha.4');
  });

  it('gives undefined when there is no version', () => {
    expect(parseCodexVersion('codex-cli')).toBeUndefined();
    expect(parseCodexVersion('')).toBeUndefined();
    expect(parseCodexVersion('version 12')).toBeUndefined();
  });
});

describe('resolveCodexBinary', () => {
  it('finds the native binary of the pinned npm package under node_modules/@openai/', () => {
    const binary = resolveCodexBinary({});
    expect(binary.source).toBe('npm');
    expect(path.isAbsolute(binary.path)).toBe(true);
    expect(existsSync(binary.path)).toBe(true);
    expect(statSync(binary.path).isFile()).toBe(true);
    expect(binary.path).toMatch(/[\\/]node_modules[\\/]@openai[\\/]codex-[a-z0-9-]+[\\/]vendor[\\/].+[\\/]bin[\\/]codex(\.exe)?$/);
    // The native executable, not the node shim.
    expect(headerOf(binary.path)).not.toBe('#!');
    expect(binary.packageRoot).toBeDefined();
    expect(existsSync(path.join(binary.packageRoot ?? '', 'package.json'))).toBe(true);
    expect(path.basename(binary.packageRoot ?? '')).toBe('codex');
  });

  it('uses DISPATCH_CODEX_BIN when it exists', () => {
    const shim = path.join(REPO_ROOT, 'package.json');
    expect(resolveCodexBinary({ DISPATCH_CODEX_BIN: shim })).toEqual({ path: shim, source: 'env' });
  });

  it('throws codex_missing when DISPATCH_CODEX_BIN points at nothing', () => {
    let thrown: unknown;
    try {
      resolveCodexBinary({ DISPATCH_CODEX_BIN: '/nonexistent' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DispatchError);
    expect((thrown as DispatchError).code).toBe('codex_missing');
    expect((thrown as DispatchError).message).toContain('/nonexistent');
    expect((thrown as DispatchError).exitCode).toBe(9);
  });
});

describe('readCodexVersion', () => {
  it('runs the pinned binary with --version: 0.171.0, supported', async () => {
    expect(PINNED).toBe('0.171.0');
    const report = await readCodexVersion(resolveCodexBinary({}));
    expect(report).toEqual({ version: '0.171.0', minimum: MIN_CODEX_VERSION, maximumTested: MAX_TESTED_CODEX_VERSION, supported: true, tested: true });
    expect(MIN_CODEX_VERSION).toBe('0.160.1');
    // The tested range ends at the pinned version: bumping the pin bumps it.
    expect(MAX_TESTED_CODEX_VERSION).toBe(PINNED);
  });

  const script = (body: string): { path: string; source: 'env' } => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dsp-bin-'));
    const file = path.join(dir, 'codex');
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return { path: file, source: 'env' };
  };

  it('refuses a codex below the minimum with codex_missing, and flags one above the tested range', async () => {
    const old = script('echo codex-cli 0.1.0');
    const refused = await requireSupportedCodex(old).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'codex_missing' });
    expect((refused as Error).message).toContain('older than the minimum 0.160.1');
    const newer = await requireSupportedCodex(script('echo codex-cli 0.999.0'));
    expect(newer).toMatchObject({ supported: true, tested: false });
    rmSync(path.dirname(old.path), { recursive: true, force: true });
  });

  it('reports a binary whose --version fails as codex_missing, not an internal error', async () => {
    const broken = script('echo "not today" >&2; exit 1');
    const error = await readCodexVersion(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect(error).toMatchObject({ code: 'codex_missing' });
    expect((error as Error).message).toContain('exited 1: not today');
    rmSync(path.dirname(broken.path), { recursive: true, force: true });
  });
});
