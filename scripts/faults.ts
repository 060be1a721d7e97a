/**
 * The large fault run (`npm run faults -- --scale N [--lanes L] [--seed S] [--json]`): N kills
 * with SIGKILL of the app-server and of dispatchd over a queued workload on the simulated
 * provider, then the report (README "Test it"). Needs `npm run build` first (it drives bin/dispatch.js).
 */
import { runFaults, type FaultReport } from '../test/helpers/faultRun.js';

function option(name: string): number | undefined {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} takes a whole number`);
  return value;
}

function print(report: FaultReport): void {
  const failedChecks = report.integrity.filter((i) => i.result !== 'ok');
  const rows: Array<[string, string]> = [
    ['seed', String(report.seed)],
    ['lanes', String(report.lanes)],
    ['messages', String(report.messages)],
    ['kills', Object.entries(report.kills).map(([k, n]) => `${k} ${n}`).join(', ')],
    ['kills off target', String(report.killsOffTarget)],
    ['send retries (same key)', String(report.sendRetries)],
    ['receipts by final state', Object.entries(report.byState).map(([k, n]) => `${k} ${n}`).join(', ')],
    ['lost', String(report.lost.length)],
    ['duplicated', String(report.duplicated.length)],
    ['mislabelled', String(report.mislabelled.length)],
    ['failed after reaching codex', String(report.failedAfterReaching.length)],
    ['order violations', String(report.orderViolations.length)],
    ['integrity checks', `${report.integrity.length - failedChecks.length}/${report.integrity.length} ok`],
    ['duration', `${(report.durationMs / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  const details = { lost: report.lost, duplicated: report.duplicated, mislabelled: report.mislabelled, failedAfterReaching: report.failedAfterReaching, orderViolations: report.orderViolations, integrity: failedChecks };
  for (const [name, list] of Object.entries(details)) {
    for (const entry of (list as unknown[]).slice(0, 10)) console.log(`  ${name}: ${JSON.stringify(entry)}`);
  }
}

const scale = option('scale') ?? 20;
const lanes = option('lanes');
const seed = option('seed');
const report = await runFaults({ scale, ...(lanes === undefined ? {} : { lanes }), ...(seed === undefined ? {} : { seed }), log: (line) => console.error(line) });
if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
else print(report);
const clean = report.lost.length + report.duplicated.length + report.mislabelled.length + report.orderViolations.length === 0 && report.integrity.every((i) => i.result === 'ok');
process.exitCode = clean ? 0 : 1;
