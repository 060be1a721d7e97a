/**
 * One benchmark result, as every bench file returns it: `npm run bench` prints them as a table
 * (and `--json` as JSON). A ratio compares with a baseline measured in the same run; a goal says
 * what the issue asks for, so the table shows met / missed instead of a bare number.
 */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The baseline measured in the same run, and what it is. */
  baseline?: { value: number; name: string };
  /** What is asked, e.g. { max: 1.5, of: 'ratio' } or { min: 50000, of: 'value' }. */
  goal?: { of: 'ratio' | 'value'; max?: number; min?: number };
  /** Anything else worth reporting (p99, RSS of the app-server, counts). */
  extra?: Record<string, number | string>;
}

export function ratioOf(row: BenchRow): number | undefined {
  return row.baseline ? row.value / row.baseline.value : undefined;
}

/** True, false, or undefined when the row has no goal. */
export function goalMet(row: BenchRow): boolean | undefined {
  if (!row.goal) return undefined;
  const measured = row.goal.of === 'ratio' ? ratioOf(row) : row.value;
  if (measured === undefined || Number.isNaN(measured)) return false;
  return (row.goal.max === undefined || measured <= row.goal.max) && (row.goal.min === undefined || measured >= row.goal.min);
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}
