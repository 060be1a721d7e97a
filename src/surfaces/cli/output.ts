import { isRecord } from '../../shared/records.js';
import { renderAttention } from './attentionView.js';
import { renderEvents } from './eventsView.js';
import { renderFleetStatus } from './fleetView.js';
import { renderHuman } from './render.js';

/** Ops whose result people read in a view of its own rather than the generic table/record. */
const VIEWS: Readonly<Record<string, (result: Record<string, unknown>) => string>> = { events: renderEvents, attention: renderAttention, 'fleet.status': renderFleetStatus };

/** JSON when asked, or when stdout is not a terminal (pipes and scripts never get tables). */
export function wantsJson(flag: boolean): boolean {
  return flag || !process.stdout.isTTY;
}

export function printResult(result: unknown, json: boolean, op?: string): void {
  const view = op === undefined ? undefined : VIEWS[op];
  const human = (): string => (view && isRecord(result) ? view(result) : renderHuman(result));
  process.stdout.write(`${wantsJson(json) ? JSON.stringify(result, null, 2) : human()}\n`);
}
