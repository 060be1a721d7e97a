import type { ServerResponse } from 'node:http';
import { checkCursor, type FeedEntry } from '../../core/facts.js';
import { DispatchError } from '../../shared/errors.js';
import { startSubscription, type Subscription, type SubscriptionSource } from '../subscription.js';

/** Bytes a browser may leave unread on its stream; past them it is cut off and resumes from the log (Last-Event-ID). */
export const MAX_UNREAD_STREAM_BYTES = 8 * 1024 * 1024;
/** A comment line this often keeps idle proxies and the browser's own timeout from closing the stream. */
const KEEPALIVE_MS = 15_000;

export interface StreamStart {
  /** The cursor to resume after (the browser's Last-Event-ID); undefined starts with a snapshot. */
  since: number | undefined;
  /** The board as the ops see it now (called after the log's latest seq was read). */
  snapshot(): Promise<unknown>;
  onError(error: Error): void;
}

/** `since` as a browser sends it (Last-Event-ID, or `?since=`): undefined when absent, an error when not a seq. */
export function parseCursor(value: string | undefined | null): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const seq = Number(value);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new DispatchError('validation', `the event cursor must be a sequence number (an integer ≥ 0), not '${value}'`);
  return seq;
}

/**
 * One browser's Server-Sent Events stream: a `snapshot` (with the log's seq as its id), then every
 * fact after it as a `fact` event whose id is its seq, and live `delta`s (agent text; no id). A
 * reconnect sends the last id back, and the stream resumes from the log after it: nothing is lost
 * or sent twice. It is the control socket's subscription (subscription.ts), written as SSE.
 */
export function openEventStream(source: SubscriptionSource, res: ServerResponse, start: StreamStart): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  let subscription: Subscription | undefined;
  let closed = false;
  /** Settles when the socket has taken what was written (one promise for every writer waiting). */
  let drained: Promise<void> | undefined;
  const write = (text: string): Promise<void> => {
    if (closed) return Promise.resolve();
    if (res.writableLength > MAX_UNREAD_STREAM_BYTES) {
      // A reader this far behind resumes from the log when its browser reconnects.
      res.destroy();
      return Promise.resolve();
    }
    if (res.write(text)) return drained ?? Promise.resolve();
    drained ??= new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done).off('close', done);
        drained = undefined;
        resolve();
      };
      res.on('drain', done).on('close', done);
    });
    return drained;
  };
  const frame = (event: string, id: number | null, data: unknown): string => `${id === null ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const keepalive = setInterval(() => void write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  res.on('close', () => {
    closed = true;
    clearInterval(keepalive);
    subscription?.dispose();
  });
  const send = (entry: FeedEntry): Promise<void> => write(frame(entry.seq === null ? 'delta' : 'fact', entry.seq, entry));
  void (async () => {
    await write('retry: 1000\n\n');
    let since = start.since;
    if (since === undefined) {
      // The cursor is read before the snapshot: a fact landing in between is sent again, never lost.
      since = source.factBounds().latest;
      const snapshot = await start.snapshot();
      await write(frame('snapshot', since, { latest_seq: since, ...(snapshot as object) }));
    } else {
      const bounds = source.factBounds();
      // A cursor from another registry, or one whose next facts were pruned: the page starts over from a snapshot.
      const stale = since > bounds.latest ? `cursor ${since} is past this log` : checkCursor(since, bounds).missed ? `facts after ${since} were pruned` : undefined;
      if (stale) {
        await write(frame('reset', null, { reason: stale }));
        res.end();
        return;
      }
    }
    if (closed) return;
    subscription = startSubscription(source, { since, send, onError: (error) => start.onError(error) });
  })().catch((error: unknown) => {
    start.onError(error as Error);
    res.destroy();
  });
}
