import type { Disposable } from '../core/context.js';
import { checkCursor, type FactBounds, type FeedEntry, type StoredFact } from '../core/facts.js';

/** What a subscription reads: the log from a cursor, then the live feed. */
export interface SubscriptionSource {
  onEntry(listener: (entry: FeedEntry) => void): Disposable;
  factsSince(seq: number, lanes: readonly string[] | undefined, limit: number): StoredFact[];
  factBounds(): FactBounds;
}

export interface SubscriptionStart {
  /** Only these lanes' entries (all lanes when absent). */
  lanes?: readonly string[];
  /** Replay every fact after this sequence number first; live entries only when absent. */
  since?: number;
  send(entry: FeedEntry): Promise<void>;
  onError(error: Error): void;
}

/** How many stored facts one replay step reads (and writes before waiting for the socket). */
const REPLAY_PAGE = 500;

/**
 * One subscriber: facts after `since` from the log, then live entries, with no fact missed or
 * sent twice. The replay reads a page and, when it was the last, turns live in the same tick:
 * facts commit (and reach the feed) synchronously, so none can fall between the two.
 */
export function startSubscription(source: SubscriptionSource, start: SubscriptionStart): { dispose(): void; latest: number; oldest: number | null; missed: boolean } {
  const bounds = source.factBounds();
  const { oldest, latest } = bounds;
  const missed = start.since !== undefined && checkCursor(start.since, bounds).missed;
  const wanted = (entry: FeedEntry): boolean => !start.lanes || start.lanes.includes(entry.event.laneId);
  let cursor = start.since ?? latest;
  let live = start.since === undefined;
  let disposed = false;
  const forward = (entry: FeedEntry): void => {
    start.send(entry).catch((error: unknown) => start.onError(error as Error));
  };
  const listener = source.onEntry((entry) => {
    if (!live || disposed || !wanted(entry)) return;
    if (entry.seq !== null) {
      if (entry.seq <= cursor) return;
      cursor = entry.seq;
    }
    forward(entry);
  });
  const replay = async (): Promise<void> => {
    while (!disposed) {
      const page = source.factsSince(cursor, start.lanes, REPLAY_PAGE);
      let written: Promise<void> = Promise.resolve();
      for (const fact of page) {
        const { seq, at, ...event } = fact;
        cursor = seq;
        written = start.send({ seq, at, event });
      }
      if (page.length < REPLAY_PAGE) {
        live = true;
        await written;
        return;
      }
      await written; // the socket drained: read on
    }
  };
  if (!live) {
    setImmediate(() => {
      replay().catch((error: unknown) => start.onError(error as Error));
    });
  }
  return {
    latest,
    oldest,
    missed,
    dispose: () => {
      disposed = true;
      listener.dispose();
    },
  };
}
