import type { Disposable, Logger } from '../../core/context.js';
import type { Fleet, FleetStationStatus, FleetWake } from '../../core/fleet.js';
import { FLEET_POLL_MS } from '../../core/fleet.js';
import { STATION_HEARTBEAT_MS, type StationDirectory, type StationInfo, type StationLease } from '../../core/stationDirectory.js';
import { DispatchError } from '../../shared/errors.js';
import { redactUrl } from '../../shared/redactUrl.js';
import { OutboxCourier } from './outbox.js';
import { Publisher } from './publish.js';
import { Receiver, type ReceiveContext } from './receive.js';

/** What the station talks to: the directory always, the rest of the fleet once its implementation is wired. */
export interface StationPorts {
  directory: StationDirectory;
  fleet: Fleet | null;
}

export interface StationOptions {
  station: string;
  url: string;
  info: StationInfo;
  /** Opens the ports (migrating the shared schema); throws while the database is unreachable. */
  open(): Promise<StationPorts>;
  ctx: ReceiveContext;
  log: Logger;
  heartbeatMs?: number;
  pollMs?: number;
  /** Shortest gap between two sync passes: lane changes are coalesced to at most one publish per gap. */
  coalesceMs?: number;
  /** Longest wait between retries while the database is away. */
  backoffCapMs?: number;
}

/** Errors no retry can fix: the name is held by a live station, or the shared schema is newer than this build. */
const isFatal = (error: unknown): boolean => error instanceof DispatchError && (error.code === 'conflict' || error.code === 'version_skew');

/**
 * This daemon as a fleet station: joins the directory and keeps its lease, and runs one sync loop
 * (publish lanes and facts, post the outbox, mirror reports, claim and deliver mail, report back).
 * The database being away never stops the daemon: every step retries with backoff, and after it
 * comes back a full resync catches up. Losing the lease to another holder stops all fleet activity.
 */
export class Station {
  readonly name: string;
  private readonly options: StationOptions;
  private readonly secret: string | null;
  private readonly publisher: Publisher;
  private readonly receiver: Receiver;
  private readonly courier: OutboxCourier;
  private portsNow: StationPorts | null = null;
  private lease: StationLease | null = null;
  private state: FleetStationStatus['state'] = 'connecting';
  private connected = false;
  private lastError: string | null = null;
  private needResync = true;
  private failures = 0;
  private running = false;
  private rerun = false;
  /** A wake that must not wait for the coalescing window came during a pass. */
  private rerunUrgent = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Number.POSITIVE_INFINITY;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastPassAt = 0;
  private connecting: Promise<void> | null = null;
  private readonly disposables: Disposable[] = [];
  /** Others who want the database's wakes (the remote-trigger follower). */
  private readonly wakeListeners = new Set<(wake: FleetWake) => void>();

  constructor(options: StationOptions) {
    this.options = options;
    this.name = options.station;
    this.secret = passwordOf(options.url);
    this.publisher = new Publisher(options.ctx.store, this.name);
    this.receiver = new Receiver(options.ctx, this.name);
    this.courier = new OutboxCourier(options.ctx.store, this.name);
  }

  /**
   * The first join, awaited by the daemon's start: a name held by a live station (or a newer
   * shared schema) refuses the start; an unreachable database only defers the join.
   */
  async start(): Promise<void> {
    this.disposables.push(
      this.options.ctx.feed.onEntry(({ seq, event }) => {
        if (seq === null) return;
        this.publisher.laneChanged(event.laneId);
        // A receipt's change may be a report a sender waits for; the other facts can be batched.
        if (event.type === 'deliveryChanged') this.receiver.receiptChanged(event.receipt);
        this.wake(event.type === 'deliveryChanged');
      }),
    );
    try {
      await this.connect();
    } catch (error) {
      if (isFatal(error)) {
        await this.stop();
        throw error;
      }
      this.failed(error);
    }
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatMs ?? STATION_HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    this.schedule(0);
  }

  /** Leaves the directory (a clean shutdown frees the name at once) and closes the connections. */
  async stop(): Promise<void> {
    const active = this.state !== 'stopped';
    this.state = 'stopped';
    clearTimeout(this.timer);
    clearInterval(this.heartbeatTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    const ports = this.portsNow;
    this.portsNow = null;
    if (!ports) return;
    // With the database away, leaving would wait out the pool's timeouts: the lease lapses by itself instead.
    if (active && this.lease && this.connected) await withDeadline(ports.directory.leave(this.lease), LEAVE_DEADLINE_MS).catch((error: unknown) => this.options.log.warn('fleet.leave_failed', { error: this.scrub(error) }));
    await ports.fleet?.close().catch(() => undefined);
    await ports.directory.close().catch(() => undefined);
  }

  status(): FleetStationStatus {
    return { station: this.name, url: redactUrl(this.options.url), state: this.state, connected: this.connected, leaseExpiresAt: this.lease?.expiresAt ?? null, lastError: this.lastError };
  }

  /** The ports while joined, for FleetAccess's reads. */
  ports(): StationPorts | null {
    return this.state === 'joined' ? this.portsNow : null;
  }

  /** The database's wakes, forwarded for as long as the station is connected. */
  listen(listener: (wake: FleetWake) => void): Disposable {
    this.wakeListeners.add(listener);
    return { dispose: () => this.wakeListeners.delete(listener) };
  }

  /**
   * Something changed: run a pass soon. Facts stream in bursts, so their passes are coalesced
   * (at most one per coalescing window); `urgent` ones (an outbox row, mail or a report from the
   * database, a receipt's change) run at once, since someone on another station waits for them.
   */
  wake(urgent = false): void {
    if (this.state !== 'joined' && this.state !== 'connecting') return;
    if (this.running) {
      this.rerun = true;
      if (urgent) this.rerunUrgent = true;
      return;
    }
    if (this.failures > 0) return; // the backoff timer runs the next pass
    this.scheduleBy(urgent ? 0 : this.coalesceDelay());
  }

  private coalesceDelay(): number {
    return Math.max(0, this.lastPassAt + (this.options.coalesceMs ?? 250) - Date.now());
  }

  /** Runs the next pass in `delayMs`, replacing whatever was scheduled (a backoff, the poll). */
  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timerDueAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timerDueAt = Number.POSITIVE_INFINITY;
      void this.pass();
    }, delayMs);
    this.timer.unref();
  }

  /** Runs the next pass in `delayMs` at the latest: a pass already due sooner stays. */
  private scheduleBy(delayMs: number): void {
    if (this.timerDueAt <= Date.now() + delayMs) return;
    this.schedule(delayMs);
  }

  /** Opens and joins once; a caller that comes while an attempt runs (start's, a pass's) shares it. */
  private connect(): Promise<void> {
    this.connecting ??= this.connectOnce().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connectOnce(): Promise<void> {
    if (!this.portsNow) {
      this.portsNow = await this.options.open();
      const { fleet } = this.portsNow;
      if (fleet)
        this.disposables.push(
          fleet.listen((wake) => {
            for (const listener of this.wakeListeners) listener(wake);
            if (wake.channel !== 'facts') this.wake(true);
          }),
        );
    }
    if (!this.lease) {
      this.lease = await this.join(this.portsNow.directory);
      this.options.ctx.store.outbox.recordLease(this.name, this.lease.instanceId);
      this.state = 'joined';
      this.options.log.info('fleet.joined', { station: this.name, url: redactUrl(this.options.url), leaseExpiresAt: this.lease.expiresAt });
    }
  }

  /**
   * Joins under the name. A live lease this home held before (its daemon was killed: the home's
   * lock says no other daemon runs here) is its own: it is given up and taken again at once.
   */
  private async join(directory: StationDirectory): Promise<StationLease> {
    try {
      return await directory.join(this.name, this.options.info);
    } catch (error) {
      const previous = this.options.ctx.store.outbox.lastLease(this.name);
      if (!(error instanceof DispatchError && error.code === 'conflict') || previous === undefined) throw error;
      await directory.leave({ name: this.name, instanceId: previous, expiresAt: new Date(0).toISOString() });
      const lease = await directory.join(this.name, this.options.info);
      this.options.log.info('fleet.lease_reclaimed', { station: this.name });
      return lease;
    }
  }

  private async pass(): Promise<void> {
    if (this.running || (this.state !== 'joined' && this.state !== 'connecting')) return;
    this.running = true;
    this.rerun = false;
    this.rerunUrgent = false;
    this.lastPassAt = Date.now();
    let more = false;
    try {
      await this.connect();
      const { fleet } = this.portsNow ?? {};
      if (fleet) more = await this.sync(fleet);
      if (!this.connected) this.options.log.info('fleet.connected', { station: this.name });
      this.connected = true;
      this.failures = 0;
      // Status says what is wrong now: an outage that is over is only in the log.
      this.lastError = null;
    } catch (error) {
      if (isFatal(error)) return this.giveUp('name_taken', error);
      this.failed(error);
    } finally {
      this.running = false;
    }
    if (this.state !== 'joined' && this.state !== 'connecting') return;
    const backoffCap = this.options.backoffCapMs ?? 5_000;
    if (this.failures > 0) this.schedule(Math.min(backoffCap, 250 * 2 ** Math.min(this.failures - 1, 10)));
    else if (this.rerunUrgent) this.schedule(0);
    else if (more || this.rerun) this.schedule(this.coalesceDelay());
    else this.schedule(this.options.pollMs ?? FLEET_POLL_MS);
  }

  /** One pass over every loop; true when some loop has more waiting. */
  private async sync(fleet: Fleet): Promise<boolean> {
    if (this.needResync) {
      await this.publisher.resync(fleet);
      await this.receiver.resume(fleet);
      this.needResync = false;
    }
    const moreFacts = await this.publisher.publish(fleet);
    const morePosts = await this.courier.post(fleet);
    const moreReports = await this.courier.mirror(fleet);
    await this.courier.prune(fleet);
    const moreMail = await this.receiver.receive(fleet);
    await this.receiver.flushReports(fleet);
    return moreFacts || morePosts || moreReports || moreMail;
  }

  private async heartbeat(): Promise<void> {
    const lease = this.lease;
    const directory = this.portsNow?.directory;
    if (this.state !== 'joined' || !lease || !directory) return;
    try {
      this.lease = await directory.heartbeat(lease);
    } catch (error) {
      if (error instanceof DispatchError && error.code === 'conflict') return this.giveUp('lease_lost', error);
      this.failed(error);
    }
  }

  /** The name went to another station (or was never ours): stop everything, do not fight for it. */
  private giveUp(state: 'lease_lost' | 'name_taken', error: unknown): void {
    this.state = state;
    this.connected = false;
    this.lastError = this.scrub(error);
    this.options.log.error(state === 'lease_lost' ? 'fleet.lease_lost' : 'fleet.name_taken', { station: this.name, error: this.lastError });
    clearTimeout(this.timer);
    clearInterval(this.heartbeatTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private failed(error: unknown): void {
    const message = this.scrub(error);
    if (this.failures === 0) this.options.log.warn('fleet.unreachable', { station: this.name, url: redactUrl(this.options.url), error: message });
    this.failures += 1;
    this.connected = false;
    this.lastError = message;
    this.needResync = true;
  }

  /** An error's message without the password, whatever layer wrote it. */
  private scrub(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    return this.secret ? message.split(this.secret).join('***') : message;
  }
}

/** How long a clean shutdown waits to give its name up. */
const LEAVE_DEADLINE_MS = 2_000;

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function passwordOf(url: string): string | null {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === '' ? null : password;
  } catch {
    return null;
  }
}
