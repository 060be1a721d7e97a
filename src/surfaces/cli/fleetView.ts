/** `dispatch fleet status` for people: this station and its database, then a line per station. */
import { dim, red, renderTable } from './render.js';

type Row = Record<string, unknown>;

const str = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

export function renderFleetStatus(result: Row): string {
  if (result['in_fleet'] !== true) return `not in a fleet: ${str(result['detail'])}`;
  const connected = result['connected'] === null ? '' : result['connected'] === true ? ', connected' : `, ${red('not connected')} (retrying)`;
  // Only what is not the usual: a station still connecting, or one that gave its name up.
  const state = typeof result['station_state'] === 'string' && result['station_state'] !== 'joined' ? ` ${red(str(result['station_state']))}` : '';
  const error = typeof result['last_error'] === 'string' ? `\n${dim(`last error: ${str(result['last_error'])}`)}` : '';
  const detail = typeof result['detail'] === 'string' ? `\n${red(str(result['detail']))}` : '';
  const stations = Array.isArray(result['stations']) ? (result['stations'] as Row[]) : [];
  const rows = stations.map((s) => ({
    station: `${str(s['name'])}${s['self'] === true ? ' (this)' : ''}`,
    state: s['state'] === 'unreachable' ? red('unreachable') : str(s['state']),
    host: s['host'],
    version: s['version'],
    mode: s['mode'],
    heartbeat: `${str(s['heartbeat_age_seconds'])}s ago`,
    lanes: s['lanes'],
    busy: s['busy'],
    needs_you: s['needs_you'],
  }));
  return [`station ${str(result['station'])}${state} ${dim(`(${str(result['url'])}${connected})`)}${error}${detail}`, renderTable(rows, ['station', 'state', 'host', 'version', 'mode', 'heartbeat', 'lanes', 'busy', 'needs_you'])].join('\n');
}
