/** `dispatch attention` for people: a heading per class, a line per item, its commands under it. */
import type { OpManifest } from '../../contracts/manifest.js';
import { isRecord } from '../../shared/records.js';
import { commandLine, shellWord } from './commandLine.js';
import { dim, red } from './render.js';

type Row = Record<string, unknown>;

const HEADINGS: Record<string, string> = { 'needs-you': 'NEEDS YOU', failed: 'FAILED', 'done-unread': 'DONE, UNREAD', held: 'HELD FOR CAPACITY' };

const str = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

const flat = (text: string, width: number): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
};

/** `42s`, `5m`, `3h`, `2d` since an ISO time (empty when it cannot be read). */
export function age(since: string, now = Date.now()): string {
  const ms = now - Date.parse(since);
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** How to log codex in: there is no op for it, codex does it, and the daemon's codex reads it at start. */
const loginCommands = (codexHome: string): string[] => [`CODEX_HOME=${shellWord(codexHome)} codex login`, 'dispatch down && dispatch up'];

/** The result with each item's `commands`: its actions as CLI commands (a login's steps first). */
export function withCommands(result: unknown, manifest: OpManifest): unknown {
  if (!isRecord(result) || !Array.isArray(result['items'])) return result;
  const items = (result['items'] as unknown[]).map((item) => {
    if (!isRecord(item)) return item;
    const actions = Array.isArray(item['actions']) ? item['actions'].filter(isRecord) : [];
    const commands = actions.flatMap((action) => commandLine(manifest, str(action['op']), isRecord(action['input']) ? action['input'] : {}) ?? []);
    const login = item['reason'] === 'login' && typeof item['codex_home'] === 'string' ? loginCommands(item['codex_home']) : [];
    return { ...item, commands: [...login, ...commands] };
  });
  return { ...result, items };
}

export function renderAttention(result: Row): string {
  const items = Array.isArray(result['items']) ? (result['items'] as Row[]) : [];
  if (items.length === 0) return 'nothing needs you';
  const lines: string[] = [];
  let heading = '';
  for (const item of items) {
    const attention = str(item['attention']);
    if (attention !== heading) {
      heading = attention;
      lines.push(attention === 'failed' ? red(HEADINGS[attention] ?? attention) : (HEADINGS[attention] ?? attention));
    }
    const who = str(item['handle']) || (item['lane'] === null ? 'codex' : str(item['lane']));
    const request = item['request'] === null ? '' : `request ${str(item['request'])}, `;
    // --fleet: a lane whose station's lease lapsed shows what it last published.
    const unreachable = item['reachable'] === false ? ` ${red(`[${str(item['station'])} unreachable]`)}` : '';
    lines.push(`  ${who}${unreachable}  ${str(item['reason'])}: ${flat(str(item['summary']), 100)}  ${dim(`(${request}${age(str(item['since']))} ago)`)}`);
    for (const command of Array.isArray(item['commands']) ? item['commands'] : []) lines.push(`      ${str(command)}`);
  }
  return lines.join('\n');
}
