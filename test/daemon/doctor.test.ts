import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/daemon/doctor.js';
import { renderDoctor } from '../../src/surfaces/cli/doctorView.js';
import { writeHomeMode } from '../../src/daemon/mode.js';
import { resolvePaths } from '../../src/control/paths.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dsp-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A simulated home (so no codex login is needed) whose DISPATCH_CODEX_BIN prints `version`. */
function homeWithCodex(name: string, version: string): NodeJS.ProcessEnv {
  const bin = path.join(dir, `codex-${name}`);
  writeFileSync(bin, `#!/bin/sh\necho codex-cli ${version}\n`);
  chmodSync(bin, 0o755);
  const env = { DISPATCH_HOME: path.join(dir, name), CODEX_HOME: path.join(dir, 'codex-home'), DISPATCH_CODEX_BIN: bin };
  const paths = resolvePaths(env);
  mkdirSync(paths.home, { recursive: true });
  writeHomeMode(paths, { mode: 'simulated', codex_home: path.join(paths.home, 'sim', 'codex-home') });
  return env;
}

describe('doctor', () => {
  it('warns, without failing, when DISPATCH_CODEX_BIN is newer than the tested range', async () => {
    const env = homeWithCodex('newer', '0.999.0');
    const report = await runDoctor(resolvePaths(env), env);
    const binary = report.checks.find((c) => c.name === 'codex binary');
    expect(binary).toMatchObject({ status: 'warn', ok: true });
    expect(binary?.detail).toContain('newer than the tested range 0.160.1..0.171.0');
    expect(report.checks.find((c) => c.name === 'mode')?.detail).toContain('simulated mode');
    expect(report.ok).toBe(true);
  });

  it('fails on a codex below the minimum, and prints every fix hint in full', async () => {
    const env = homeWithCodex('older', '0.1.0');
    const report = await runDoctor(resolvePaths(env), env);
    const binary = report.checks.find((c) => c.name === 'codex binary');
    expect(binary).toMatchObject({ status: 'fail', ok: false });
    expect(report.ok).toBe(false);
    const text = renderDoctor(report);
    expect(text).toContain(`FAIL codex binary: ${binary?.detail ?? ''}`);
    expect(text).toContain(`fix: ${binary?.fix ?? 'missing fix'}`);
    expect(text).toContain('NOT ok');
  });
});
