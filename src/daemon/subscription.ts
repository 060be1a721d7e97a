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

/** How many stored facts one replay step reads. */
const REPLAY_PAGE = 500;

/**
 * A replay page this short is written at once, in the tick that turns the subscription live (so no
 * fact falls between); longer ones go one fact at a time, each waiting for the socket, so a replay
 * never queues more than this many facts (of at most ~16 KiB each) for a reader.
 */
const LAST_PAGE = 16;

/**
 * One subscriber: facts after `since` from the log, then live entries, with no fact missed or
 * sent twice. The replay reads a page and, when it was the last, turns live in the same tick:
 * facts commit (and reach the feed) synchronously, so none can fall between the two.
 */
export interface Subscription {
  dispose(): void;
  latest: number;
  oldest: number | null;
  missed: boolean;
  /** The last fact's seq whose line was handed to the socket: a client cut off resumes with `since` it. */
  readonly lastSent: number;
}

export function startSubscription(source: SubscriptionSource, start: SubscriptionStart): Subscription {
  const bounds = source.factBounds();
  const { oldest, latest } = bounds;
  const missed = start.since !== undefined && checkCursor(start.since, bounds).missed;
  const wanted = (entry: FeedEntry): boolean => !start.lanes || start.lanes.includes(entry.event.laneId);
  let cursor = start.since ?? latest;
  let live = start.since === undefined;
  let disposed = false;
  let lastSent = cursor;
  const send = async (entry: FeedEntry): Promise<void> => {
    await start.send(entry);
    if (entry.seq !== null && entry.seq > lastSent) lastSent = entry.seq;
  };
  const failed = (error: unknown): void => {
    // Once disposed (unsubscribed, or the connection let go), sends still queued fail as expected.
    if (!disposed) start.onError(error as Error);
  };
  const forward = (entry: FeedEntry): void => {
    send(entry).catch(failed);
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
      const entries = page.map(({ seq, at, ...event }) => ({ seq, at, event }));
      if (entries.length <= LAST_PAGE) {
        let written: Promise<void> = Promise.resolve();
        for (const entry of entries) written = send(entry);
        cursor = entries.at(-1)?.seq ?? cursor;
        live = true;
        await written;
        return;
      }
      for (const entry of entries) {
        if (disposed) return;
        cursor = entry.seq;
        await send(entry); // the socket took it: read on
      }
    }
  };
  if (!live) {
    setImmediate(() => {
      replay().catch(failed);
    });
  }
  return {
    latest,
    oldest,
    missed,
    get lastSent() {
      return lastSent;
    },
    dispose: () => {
      disposed = true;
      listener.dispose();
    },
  };
}
