import { DaemonClient } from './client.js';
import type { FeedEntry } from '../control/protocol.js';
import { resolvePaths } from '../control/paths.js';
import { DispatchError, ERROR_TABLE, toDispatchError } from '../shared/errors.js';

/**
 * A subscription that outlives its connection: it resumes from the last fact it delivered after a
 * daemon restart, a dropped connection or the daemon ending it (a slow reader), so a follower gets
 * every fact once. Deltas (never stored) are delivered live only.
 */
export interface FactStreamOptions {
  /** Lane ids (resolved once, so a rename while the daemon is down changes nothing). */
  lanes?: readonly string[];
  /** Deliver the facts after this seq first; undefined: live from now. */
  since: number | undefined;
  /** Reads facts after `since` before the first subscription (e.g. through the `events` op); returns the last seq it delivered. */
  backlog?: (client: DaemonClient, since: number) => Promise<number>;
  /** Runs on the first connection once it is subscribed, before buffered live entries are delivered. */
  ready?: (client: DaemonClient) => Promise<void>;
  onEntry(entry: FeedEntry): void;
  /** Told once per outage, and again once the stream is back. */
  onDown(message: string): void;
  onUp(message: string): void;
  /** Ends the stream (Ctrl-C, a deadline, the caller done). */
  signal: AbortSignal;
  /** A new connection to the daemon (never starting one: a follower does not race `dispatch up`). */
  reconnect?: () => Promise<DaemonClient>;
}

/** Errors that mean the daemon is not there (yet), or let this reader go: connect again. */
const transient = (error: DispatchError): boolean => ERROR_TABLE[error.code].retryable || error.code === 'limit_exceeded';

/** Why one connection's subscription is over: stopped by the caller, the connection lost, or ended by the daemon. */
type Gone = { why: 'stopped' | 'lost' } | { why: 'ended'; message: string };

const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 2000;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Streams until `signal` aborts; rejects only on what reconnecting cannot fix (an unknown lane, a cursor from another registry). */
export async function streamFacts(first: DaemonClient, options: FactStreamOptions): Promise<void> {
  const reconnect = options.reconnect ?? (() => DaemonClient.connect(resolvePaths().socket, { timeoutMs: 2000 }));
  let last = options.since;
  const deliver = (entry: FeedEntry): void => {
    if (entry.seq !== null) {
      if (last !== undefined && entry.seq <= last) return;
      last = entry.seq;
    }
    options.onEntry(entry);
  };

  /** One connection's subscription; resolves when it is gone (closed, ended by the daemon) or the stream is stopped. */
  const session = async (client: DaemonClient, firstSession: boolean): Promise<Gone> => {
    if (firstSession && options.backlog && last !== undefined) last = await options.backlog(client, last);
    const held: FeedEntry[] = [];
    let holding = firstSession && options.ready !== undefined;
    let resolveGone!: (why: Gone) => void;
    const gone = new Promise<Gone>((resolve) => (resolveGone = resolve));
    const closed = client.onClose(() => resolveGone({ why: 'lost' }));
    const stop = (): void => resolveGone({ why: 'stopped' });
    options.signal.addEventListener('abort', stop, { once: true });
    try {
      const subscription = await client.subscribe(
        { ...(options.lanes ? { lanes: [...options.lanes] } : {}), ...(last === undefined ? {} : { since: last }) },
        (entry) => (holding ? held.push(entry) : deliver(entry)),
        (error) => resolveGone({ why: 'ended', message: error.message }),
      );
      // Live from now: later resumes start at the log's end as it was when this one started.
      if (last === undefined) last = subscription.latest_seq;
      if (holding) {
        await options.ready?.(client);
        holding = false;
        for (const entry of held.splice(0)) deliver(entry);
      }
      const why = await gone;
      subscription.dispose();
      return why;
    } catch (error) {
      const e = toDispatchError(error);
      if (transient(e)) return { why: 'lost' };
      throw e;
    } finally {
      closed.dispose();
      options.signal.removeEventListener('abort', stop);
      if (options.signal.aborted || !firstSession) await client.close().catch(() => undefined);
    }
  };

  let client: DaemonClient | undefined = first;
  let firstSession = true;
  while (!options.signal.aborted) {
    if (client) {
      const gone = await session(client, firstSession);
      firstSession = false;
      client = undefined;
      if (gone.why === 'stopped') return;
      const resuming = `resuming after seq ${last ?? 0}`;
      options.onDown(gone.why === 'ended' ? `dispatchd ended the subscription (${gone.message}); ${resuming}` : `dispatchd is unreachable; reconnecting (${resuming})…`);
    }
    for (let delay = BACKOFF_FIRST_MS; !options.signal.aborted; delay = Math.min(delay * 2, BACKOFF_MAX_MS)) {
      await pause(delay, options.signal);
      if (options.signal.aborted) return;
      try {
        client = await reconnect();
        break;
      } catch (error) {
        if (!(error instanceof DispatchError) || transient(error)) continue;
        throw error;
      }
    }
    if (client) options.onUp(`reconnected to dispatchd; resuming after seq ${last ?? 0}`);
  }
}
