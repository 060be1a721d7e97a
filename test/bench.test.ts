import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface SmokeRun {
  code: number;
  stderr: string;
  out: { rows: { bench: string; name: string; value: number }[]; failures: { bench: string; error: string }[] } | undefined;
}

function runBench(args: string[]): Promise<SmokeRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'main.ts'), ...args], { cwd: ROOT, timeout: 90_000 }, (error, stdout, stderr) => {
      let out: SmokeRun['out'];
      try {
        out = JSON.parse(stdout) as SmokeRun['out'];
      } catch {
        out = undefined;
      }
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr, out });
    });
  });
}

// A broken bench once went unnoticed (the reaction bench hung on a stub that lacked info()):
// every bench runs here at its minimum size, against the built CLI and a real simulated daemon.
describe('npm run bench', () => {
  it('runs every bench at minimum size (--smoke) and reports a figure for each', async () => {
    const run = await runBench(['--smoke', '--json']);
    expect(run.out?.failures ?? run.stderr, run.stderr).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    const rows = run.out?.rows ?? [];
    // facts is another engineer's bench (a stub until it lands), so it may have no rows yet.
    for (const bench of ['decoder', 'rpc', 'reaction', 'cli', 'scale', 'recovery', 'follow', 'dashboard', 'admission', 'fleet', 'fleet-send']) expect(rows.some((row) => row.bench === bench), `rows of ${bench}`).toBe(true);
    for (const row of rows) expect(Number.isFinite(row.value), `${row.name}: ${row.value}`).toBe(true);
  }, 90_000);

  it('refuses an unknown bench name', async () => {
    const run = await runBench(['--only', 'nope']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--only expects one of');
  }, 30_000);
});
