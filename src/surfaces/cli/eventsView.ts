/** The `events` table for people: one line per fact with a short summary of what it says. */
import { isRecord } from '../../shared/records.js';
import { dim, renderTable } from './render.js';

type Row = Record<string, unknown>;

const str = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
const short = (text: string, width = 60): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
};

function itemSummary(item: unknown): string {
  if (!isRecord(item)) return '';
  const detail = str(item['command']) || str(item['text']) || (Array.isArray(item['paths']) ? item['paths'].join(', ') : '');
  return [str(item['type']), short(detail, 50)].filter(Boolean).join(': ');
}

/** What one fact says, in a few words; the JSON output has all of it. */
export function factSummary(fact: Row): string {
  const turn = str(fact['turnId']);
  const receipt = fact['receipt'] === undefined ? '' : `receipt ${str(fact['receipt'])}`;
  const error = isRecord(fact['error']) ? str(fact['error']['message']) : str(fact['error']);
  switch (fact['type']) {
    case 'laneCreated':
      return `${str(fact['source'])} lane by ${str(fact['by'])}`;
    case 'laneRenamed':
      return `${str(fact['from'])} → ${str(fact['handle'])}`;
    case 'turnAccepted':
      return `turn ${turn} for ${receipt} (${str(fact['mode'])})`;
    case 'deliveryChanged':
      return `${receipt} ${str(fact['state'])}${turn ? ` turn ${turn}` : ''}${error ? `: ${short(error, 40)}` : ''}`;
    case 'turnCompleted':
      return `turn ${turn} ${str(fact['outcome'])}${error ? `: ${short(error, 40)}` : ''}`;
    case 'laneWorktreeChanged':
      return isRecord(fact['worktree']) ? `worktree ${str(fact['worktree']['path'])} (${str(fact['worktree']['branch'])})` : 'worktree removed';
    case 'turnRecovered':
      return `turn ${turn} completed (found in the thread's history after a restart)`;
    case 'turnLost':
    case 'turnError':
      return `turn ${turn}: ${short(error, 50)}`;
    case 'itemStarted':
    case 'itemCompleted':
      return itemSummary(fact['item']);
    case 'approvalRequested':
      return short(`${str(fact['kind'])}: ${str(fact['question']) || str(fact['command'])}`);
    case 'statusChanged':
      return str(fact['status']);
    case 'tokenUsage':
      return `${str(fact['totalTokens'])} tokens`;
    case 'triggerFired':
      return `trigger ${str(fact['triggerId'])} ${str(fact['event'])} → ${str(fact['outcome'])}`;
    case 'inboxItem':
      return `item ${str(fact['item'])} ${str(fact['event'])}`;
    case 'laneLost':
      return short(str(fact['reason']));
    case 'goalUpdated':
      return short(`${str(fact['status'])}: ${str(fact['objective'])}`);
    default:
      return turn ? `turn ${turn}` : '';
  }
}

/** SEQ, AT, LANE (its handle), TYPE and a summary per fact, then the cursor to read on from. */
export function renderEvents(result: Row): string {
  const events = Array.isArray(result['events']) ? (result['events'] as Row[]) : [];
  const rows = events.map((fact) => ({ seq: fact['seq'], at: fact['at'], lane: fact['handle'] ?? fact['lane'], type: fact['type'], summary: factSummary(fact) }));
  const footer = [`next_since: ${str(result['next_since'])}`, `latest_seq: ${str(result['latest_seq'])}`, ...(result['missed'] === true ? [`missed: facts after since were pruned; the log starts at ${str(result['oldest_seq'])}`] : [])];
  return `${renderTable(rows, ['seq', 'at', 'lane', 'type', 'summary'])}\n${dim(footer.join('  '))}`;
}

/** A fact as `events` prints it: its seq, time, type, lane id and handle, then the fields of its type. */
export interface FactRow extends Row {
  seq: number;
  at: string;
  type: string;
  lane: string;
  handle?: string;
}

/** A pushed fact in the shape the `events` op returns it, so the backlog and the live stream print alike. */
export function factRow(entry: { seq: number | null; at: string; event: { type: string; laneId: string } }, handles: ReadonlyMap<string, string>): FactRow {
  const { type, laneId, ...fields } = entry.event;
  const handle = handles.get(laneId);
  return { seq: entry.seq ?? 0, at: entry.at, type, lane: laneId, ...(handle === undefined ? {} : { handle }), ...fields };
}

/** One fact on one line: seq, time of day, lane, type and what it says. */
export function factLine(fact: FactRow): string {
  const time = /T(\d\d:\d\d:\d\d(?:\.\d+)?)/.exec(fact.at)?.[1] ?? fact.at;
  return [String(fact.seq).padStart(6), dim(time), (fact.handle ?? fact.lane.slice(0, 8)).padEnd(14), fact.type.padEnd(17), factSummary(fact)].join('  ').trimEnd();
}
