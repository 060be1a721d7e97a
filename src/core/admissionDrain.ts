import { DispatchError } from '../shared/errors.js';
import { isCapacityLimited } from './admissionPolicy.js';
import { drainNext, type DeliveryContext } from './deliveries.js';
import type { Delivery } from './model.js';

// How held work gets going again: the queue's drains under capacity limits (the ledger's own
// writes, holds included, stay in deliveries.ts).

/**
 * With capacity limits: offers each lane's next queued message to admission, oldest receipt first
 * across lanes, so held work starts in the order it came as slots free or windows reset.
 */
export async function drainOldestFirst(ctx: DeliveryContext): Promise<void> {
  const heads = new Map<string, number>();
  for (const delivery of ctx.store.deliveries.list({ states: ['queued'] })) if (!heads.has(delivery.lane)) heads.set(delivery.lane, delivery.id);
  // Each drainNext decides synchronously before its first await: started in id order, they are admitted in id order.
  const starts = [...heads.entries()].sort((a, b) => a[1] - b[1]).map(([lane]) => drainNext(ctx, lane));
  await Promise.all(starts);
}

/**
 * What runs when a lane may take its next message (its turn ended, a message was queued): without
 * capacity limits that lane's queue moves; with them, held work across lanes starts oldest first.
 */
export async function drainQueueOf(ctx: DeliveryContext, laneId: string): Promise<void> {
  if (isCapacityLimited(ctx.capacity)) await drainOldestFirst(ctx);
  else await drainNext(ctx, laneId);
}

/**
 * `queue release`: starts one held receipt now, past the capacity limits. Only a held receipt (the
 * next of an idle lane) can go: anything else waits for its lane, not for capacity.
 */
export async function releaseHeld(ctx: DeliveryContext, delivery: Delivery): Promise<Delivery> {
  if (delivery.state !== 'queued' || delivery.held === null) {
    const why = delivery.state === 'queued' ? 'it waits for its lane, not for capacity' : `it is ${delivery.state}`;
    throw new DispatchError('validation', `receipt ${delivery.id} is not held by capacity (${why}); only a held receipt can be released`, { data: { receipt: delivery.id, state: delivery.state } });
  }
  await drainNext(ctx, delivery.lane, delivery.id);
  return ctx.store.deliveries.find(delivery.id) ?? delivery;
}
