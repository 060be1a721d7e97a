/** Human output for a TTY: tables for lists, aligned key/value lines for records. JSON otherwise. */

import { isRecord } from '../../shared/records.js';

const useColor = (): boolean => Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb';

const paint = (code: number, text: string): string => (useColor() ? `\u001b[${code}m${text}\u001b[0m` : text);

export const red = (text: string): string => paint(31, text);
export const dim = (text: string): string => paint(2, text);

const STATUS_COLORS: Record<string, number> = { idle: 32, busy: 33, waiting_approval: 35, error: 31, archived: 2, failed: 31, completed: 32, interrupted: 33, working: 33, 'needs-you': 35, 'done-unread': 36 };
const COLORED_COLUMNS = new Set(['status', 'attention']);

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\s+/g, ' ');
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v['status'] === 'string' && typeof v['id'] === 'string') return `${v['status']}${v['error'] ? ` (${(v['error'] as { message?: string }).message ?? ''})` : ''}`;
    return JSON.stringify(value);
  }
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : typeof value;
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

const PREFERRED_COLUMNS = ['id', 'handle', 'station', 'day', 'name', 'status', 'attention', 'reachable', 'source', 'lane', 'target', 'when', 'action', 'enabled', 'failure_count', 'last_error', 'ts', 'op', 'outcome', 'type', 'text', 'detail', 'held', 'preview', 'cwd', 'latest_turn', 'worktree_branch', 'method'];

const MAX_COLUMNS = 9;

/** A table of `rows`; `order` fixes the columns (otherwise the preferred ones lead). */
export function renderTable(rows: Array<Record<string, unknown>>, order?: readonly string[]): string {
  if (rows.length === 0) return dim('(none)');
  // A column empty in every row says nothing; dropping it leaves room for one that does (a trigger's last_error).
  // `lane_id` beside `lane` repeats it as a UUID: people read the handle, JSON keeps the id.
  const present = Object.keys(rows[0] ?? {}).filter((k) => rows.some((row) => cell(row[k]) !== ''));
  const keys = present.filter((k) => !(k.endsWith('_id') && present.includes(k.slice(0, -3))));
  const preferred = order ?? PREFERRED_COLUMNS;
  const columns = [...preferred.filter((k) => keys.includes(k)), ...keys.filter((k) => !preferred.includes(k))].slice(0, MAX_COLUMNS);
  const maxWidth = Math.max(40, Math.floor((process.stdout.columns ?? 160) / Math.max(1, columns.length)) + 10);
  const cells = rows.map((row) => columns.map((c) => truncate(cell(row[c]), c === 'id' ? 36 : maxWidth)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: string[], colorize: boolean): string =>
    values
      .map((v, i) => {
        const padded = v.padEnd(widths[i] ?? 0);
        const color = colorize && COLORED_COLUMNS.has(columns[i] ?? '') ? STATUS_COLORS[v] : undefined;
        return color ? paint(color, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  return [dim(line(columns.map((c) => c.toUpperCase()), false)), ...cells.map((r) => line(r, true))].join('\n');
}

function renderRecord(record: Record<string, unknown>, indent = ''): string {
  const keys = Object.keys(record);
  const width = Math.max(...keys.map((k) => k.length));
  return keys
    .map((key) => {
      const value = record[key];
      if (Array.isArray(value)) {
        if (value.length === 0) return `${indent}${key.padEnd(width)}  ${dim('(none)')}`;
        if (value.every((v) => typeof v === 'object' && v !== null)) return `${indent}${key}:\n${renderTable(value as Array<Record<string, unknown>>)}`;
      }
      if (isRecord(value) && Object.keys(value).length > 0 && indent === '') {
        return `${indent}${key}:\n${renderRecord(value, '  ')}`;
      }
      const text = COLORED_COLUMNS.has(key) && typeof value === 'string' && STATUS_COLORS[value] ? paint(STATUS_COLORS[value], value) : cell(value);
      return `${indent}${key.padEnd(width)}  ${text}`;
    })
    .join('\n');
}

/** Renders an op result for people: a list field becomes a table, anything else key/value lines. */
export function renderHuman(result: unknown): string {
  if (typeof result !== 'object' || result === null) return String(result);
  const record = result as Record<string, unknown>;
  const keys = Object.keys(record);
  const listKey = keys.find((k) => Array.isArray(record[k]) && ['lanes', 'triggers', 'actions', 'sessions', 'items', 'events'].includes(k));
  if (listKey && keys.length <= 3) {
    const rest = keys.filter((k) => k !== listKey && record[k] !== null && record[k] !== undefined && k !== 'lane' && k !== 'handle');
    const table = renderTable(record[listKey] as Array<Record<string, unknown>>);
    return rest.length > 0 ? `${table}\n${rest.map((k) => dim(`${k}: ${cell(record[k])}`)).join('\n')}` : table;
  }
  return renderRecord(record);
}
