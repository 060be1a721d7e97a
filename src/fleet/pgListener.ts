import pg from 'pg';
import type { Disposable } from '../core/context.js';
import type { FleetWake } from '../core/fleet.js';
import { DispatchError } from '../shared/errors.js';
import { FACTS_CHANNEL } from './pgFactStream.js';
import { MAIL_CHANNEL, REPORT_CHANNEL } from './pgMailbox.js';

/** Shows in pg_stat_activity, so an operator (or a test) can tell the listener from the pool. */
export const LISTENER_APPLICATION_NAME = 'dispatch-listen';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;

function wakeOf(channel: string, payload: string): FleetWake | null {
  if (channel === MAIL_CHANNEL) return { channel: 'mail', station: payload };
  if (channel === REPORT_CHANNEL) return { channel: 'report', sender: payload };
  if (channel === FACTS_CHANNEL) return { channel: 'facts', station: payload };
  return null;
}

/**
 * One dedicated connection with LISTEN on the fleet's channels, while anyone listens. When it drops
 * (the server restarted, the network cut) it reconnects with backoff up to MAX_RETRY_MS, forever,
 * and never throws: failures go to `onError`. Wakes are hints; notifications sent while it was down
 * are lost, which is why every consumer polls too.
 */
export class PgListener {
  private readonly url: string;
  private readonly onError: (error: Error) => void;
  private readonly listeners = new Set<(wake: FleetWake) => void>();
  private client: pg.Client | null = null;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;

  /** `onError` must not throw (openPgFleet hands it redactedErrors). */
  constructor(url: string, onError: (error: Error) => void) {
    this.url = url;
    this.onError = onError;
  }

  listen(listener: (wake: FleetWake) => void): Disposable {
    this.listeners.add(listener);
    if (this.client === null && this.retryTimer === null && !this.closed) void this.connect();
    return {
      dispose: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) void this.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await this.disconnect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, application_name: LISTENER_APPLICATION_NAME });
    this.client = client;
    let dropped = false;
    const drop = (error: Error): void => {
      if (dropped || this.client !== client) return;
      dropped = true;
      this.client = null;
      this.report(error);
      void client.end().catch(() => undefined);
      this.scheduleRetry();
    };
    client.on('error', drop);
    client.on('end', () => drop(new Error('the listening connection ended')));
    client.on('notification', (message) => {
      const wake = wakeOf(message.channel, message.payload ?? '');
      if (wake === null) return;
      for (const listener of [...this.listeners]) {
        try {
          listener(wake);
        } catch (error) {
          // Not a database failure: typed as internal so it is not mistaken for one.
          this.report(new DispatchError('internal', `a fleet wake listener threw: ${error instanceof Error ? error.message : String(error)}`));
        }
      }
    });
    try {
      await client.connect();
      for (const channel of [MAIL_CHANNEL, REPORT_CHANNEL, FACTS_CHANNEL]) await client.query(`LISTEN ${channel}`);
      if (this.client === client) this.retryMs = FIRST_RETRY_MS;
    } catch (error) {
      drop(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.listeners.size === 0 || this.retryTimer !== null) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed && this.listeners.size > 0 && this.client === null) void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private async disconnect(): Promise<void> {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    this.retryMs = FIRST_RETRY_MS;
    await client?.end().catch(() => undefined);
  }

  private report(error: unknown): void {
    this.onError(error instanceof Error ? error : new Error(String(error)));
  }
}
