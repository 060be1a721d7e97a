/**
 * CLI start-up against the floor, `node -e 0`, in the same run. The three are timed in turns, round
 * by round, so load from others on a shared machine falls on all of them alike; medians.
 */
import { execFileSync } from 'node:child_process';
import { CLI, openSimulatedHome } from './home.js';
import { median, type BenchRow } from './report.js';

export async function benchCli(runs = 20): Promise<BenchRow[]> {
  const home = await openSimulatedHome();
  const timed = { baseline: [] as number[], list: [] as number[], version: [] as number[] };
  const time = (args: string[]): number => {
    const start = performance.now();
    execFileSync(process.execPath, args, { env: home.env, cwd: home.workspace, stdio: 'pipe' });
    return performance.now() - start;
  };
  try {
    home.cli(['new', '--name', 'bench', '--prefix', '', '--no-send']);
    // One untimed round warms the file cache for each.
    time(['-e', '0']);
    time([CLI, 'lane', 'list']);
    time([CLI, '--version']);
    for (let i = 0; i < runs; i++) {
      timed.baseline.push(time(['-e', '0']));
      timed.list.push(time([CLI, 'lane', 'list']));
      timed.version.push(time([CLI, '--version']));
    }
  } finally {
    await home.close();
  }
  const baseline = { value: median(timed.baseline), name: 'node -e 0' };
  return [
    { name: `dispatch lane list (running daemon), median of ${runs}`, value: median(timed.list), unit: 'ms', baseline, goal: { of: 'ratio', max: 1.5 } },
    { name: `dispatch --version, median of ${runs}`, value: median(timed.version), unit: 'ms', baseline, goal: { of: 'ratio', max: 1.2 } },
  ];
}
