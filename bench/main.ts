/**
 * `npm run bench`: runs every bench file and prints one table (value, baseline measured in the same
 * run, ratio, goal, met/missed); `--json` prints one JSON object instead. Nothing here asserts a
 * time; benches report. A bench that throws is reported and makes the run exit 1.
 *
 *   --only <name>   run one bench (decoder, rpc, reaction, cli, facts, scale, recovery, follow, dashboard, admission, fleet, fleet-send)
 *   --scale <N>     lanes of the scale bench (default 200)
 *   --smoke         every bench at its minimum size: checks that they run, measures nothing
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ADMISSION_DEFAULTS, benchAdmission } from './admission.js';
import { benchCli } from './cli.js';
import { benchDashboard } from './dashboard.js';
import { benchFacts } from './facts.js';
import { benchFleet, FLEET_DEFAULTS } from './fleet.js';
import { benchFleetSend, FLEET_SEND_DEFAULTS } from './fleetSend.js';
import { benchFollow } from './follow.js';
import { benchReaction, REACTION_DEFAULTS } from './reaction.js';
import { benchRecovery } from './recovery.js';
import { goalMet, ratioOf, type BenchRow } from './report.js';
import { benchDecoder, benchRpc } from './rpc.js';
import { benchScale } from './scale.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
    scale: { type: 'string', default: '200' },
    smoke: { type: 'boolean', default: false },
  },
});
const smoke = values.smoke;
const scaleLanes = Number(values.scale);

function usage(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
if (!Number.isInteger(scaleLanes) || scaleLanes < 1) usage(`--scale expects a positive whole number of lanes, not '${values.scale}'`);

const BENCHES: Record<string, () => Promise<BenchRow[]>> = {
  decoder: async () => benchDecoder(smoke ? 1 : 50),
  rpc: () => benchRpc(smoke ? 100 : 20_000),
  reaction: () => benchReaction(smoke ? { rounds: 5, busyLanes: 2, busyEventsPerSecond: 100 } : REACTION_DEFAULTS),
  cli: () => benchCli(smoke ? 1 : 20),
  facts: () => benchFacts(),
  scale: () => benchScale(smoke ? 2 : scaleLanes),
  recovery: () => benchRecovery(smoke ? 2 : 50),
  follow: () => benchFollow(smoke ? 2 : 100),
  dashboard: () => benchDashboard(smoke ? 2 : 100),
  admission: () => benchAdmission(smoke ? { sends: 10, busyLanes: 2 } : ADMISSION_DEFAULTS),
  fleet: () => benchFleet(smoke ? { messages: 20 } : FLEET_DEFAULTS),
  'fleet-send': () => benchFleetSend(smoke ? { rounds: 2 } : FLEET_SEND_DEFAULTS),
};

if (values.only !== undefined && !(values.only in BENCHES)) usage(`--only expects one of ${Object.keys(BENCHES).join(', ')}, not '${values.only}'`);
const selected = values.only === undefined ? Object.keys(BENCHES) : [values.only];

const rows: (BenchRow & { bench: string })[] = [];
const failures: { bench: string; error: string }[] = [];
// Progress goes to stderr so stdout holds only the table, or only the JSON.
for (const name of selected) {
  const run = BENCHES[name];
  if (!run) continue;
  process.stderr.write(`bench ${name}…\n`);
  const started = performance.now();
  try {
    for (const row of await run()) rows.push({ bench: name, ...row });
  } catch (error) {
    failures.push({ bench: name, error: (error as Error).stack ?? String(error) });
  }
  process.stderr.write(`bench ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

const figure = (n: number): string => (Number.isNaN(n) ? 'n/a' : Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));

function goalText(row: BenchRow): string {
  if (!row.goal) return '';
  const suffix = row.goal.of === 'ratio' ? '×' : ` ${row.unit}`;
  const parts = [row.goal.max === undefined ? '' : `≤ ${row.goal.max}${suffix}`, row.goal.min === undefined ? '' : `≥ ${row.goal.min}${suffix}`];
  return parts.filter(Boolean).join(', ');
}

function table(): string {
  const header = ['benchmark', 'value', 'unit', 'baseline', 'ratio', 'goal', 'met'];
  const lines = rows.map((row) => {
    const ratio = ratioOf(row);
    const met = goalMet(row);
    return [
      row.name,
      figure(row.value),
      row.unit,
      row.baseline ? `${figure(row.baseline.value)} (${row.baseline.name})` : '',
      ratio === undefined ? '' : `${figure(ratio)}×`,
      goalText(row),
      met === undefined ? '' : met ? 'met' : 'MISSED',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i === 1 || i === 4 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const extras = rows.filter((r) => r.extra).map((r) => `  ${r.name}: ${Object.entries(r.extra ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return [format(header), ...lines.map(format), ...(extras.length ? ['', 'details:', ...extras] : [])].join('\n');
}

if (values.json) {
  const out = { node: process.version, cores: os.cpus().length, smoke, rows: rows.map((row) => ({ ...row, ratio: ratioOf(row) ?? null, met: goalMet(row) ?? null })), failures };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} else {
  process.stdout.write(`dispatch bench — node ${process.version}, ${os.cpus().length} cores${smoke ? ' (smoke: minimum sizes, figures mean nothing)' : ''}\n\n${table()}\n`);
}
for (const failure of failures) process.stderr.write(`bench ${failure.bench} failed: ${failure.error}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
