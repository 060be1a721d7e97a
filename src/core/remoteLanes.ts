/**
 * `NAME@STATION` in ops: whether a selector names a lane of another station (then the op goes
 * through ctx.fleet) or one of this station (resolved in the local registry as always). Handlers
 * ask here instead of each parsing selectors, receipts and stored trigger lanes themselves.
 */
import { DispatchError } from '../shared/errors.js';
import type { OpContext } from './context.js';
import { notInFleet, parseLaneRef, remoteSelectorOf, type FleetAccess, type OutboxEntry, type RemoteLaneRef } from './fleet.js';
import { remoteLaneKey, splitRemoteKey } from './triggers/remote.js';

/** Where a selector points: a lane here (the selector to resolve locally) or a lane of another station. */
export type LaneRoute = { local: string } | { remote: RemoteLaneRef; fleet: FleetAccess };

/** Routes a lane selector; `NAME@<this station>` is local, another station's with no fleet is refused (`notInFleet`). */
export function routeLane(ctx: Pick<OpContext, 'fleet'>, selector: string): LaneRoute {
  const self = ctx.fleet?.station;
  const remote = parseLaneRef(selector, self);
  if (remote === null) {
    const suffix = self === undefined ? null : `@${self}`;
    const bare = suffix !== null && selector.endsWith(suffix) ? selector.slice(0, -suffix.length) : selector;
    return { local: bare === '' || bare === '@' ? selector : bare };
  }
  if (ctx.fleet === undefined) throw notInFleet(selector);
  return { remote, fleet: ctx.fleet };
}

/** The fleet for an input that lists the whole fleet (`fleet: true`); a station in no fleet gets how to join one. */
export function requireFleet(ctx: Pick<OpContext, 'fleet'>): FleetAccess {
  if (ctx.fleet === undefined) {
    throw new DispatchError('validation', 'listing the fleet needs a fleet: this station is in none (set [fleet] url and station in config.toml, or DISPATCH_FLEET_URL and DISPATCH_STATION)', { data: { fields: ['fleet'] } });
  }
  return ctx.fleet;
}

export { remoteSelectorOf };

/**
 * The current `@handle@station` of each remote trigger key (`<laneId>@<station>`) among `stored`, read from the lane
 * directory; empty when none is remote or the fleet cannot be read (views then show the stored id).
 */
export async function remoteHandles(ctx: Pick<OpContext, 'fleet'>, stored: ReadonlyArray<string | null>): Promise<Map<string, string>> {
  const handles = new Map<string, string>();
  const fleet = ctx.fleet;
  if (fleet === undefined || !stored.some((lane) => lane !== null && splitRemoteKey(lane) !== null)) return handles;
  try {
    for (const lane of await fleet.lanes()) handles.set(remoteLaneKey(lane.station, lane.laneId), remoteSelectorOf(lane));
  } catch (error) {
    if (!(error instanceof DispatchError && error.code === 'fleet_unavailable')) throw error;
  }
  return handles;
}

/** A receipt as ops name it: a local receipt's number, or `m<N>`, the outbox entry of a cross-station message. */
export type ReceiptRef = { local: number } | { outbox: number };

export const remoteReceiptOf = (entry: Pick<OutboxEntry, 'id'>): string => `m${entry.id}`;

export function parseReceiptRef(receipt: number | string): ReceiptRef {
  if (typeof receipt === 'number') return { local: receipt };
  const match = /^(m?)([1-9]\d*)$/.exec(receipt);
  if (match === null) throw new DispatchError('validation', `'${receipt}' is not a receipt: a number (this station's) or m<N> (a message to another station)`);
  return match[1] === 'm' ? { outbox: Number(match[2]) } : { local: Number(match[2]) };
}
