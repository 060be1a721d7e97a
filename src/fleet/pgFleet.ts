import type { Disposable } from '../core/context.js';
import type { StoredFact } from '../core/facts.js';
import type { Fleet, FleetFact, FleetLane, FleetWake, Mail, MailReport, NewMail } from '../core/fleet.js';
import { STATION_LEASE_MS, type StationDirectory } from '../core/stationDirectory.js';
import { openFleetDb, type FleetDb } from './pgDb.js';
import { redactedErrors } from './pgErrors.js';
import { PgFactStream } from './pgFactStream.js';
import { PgLaneDirectory } from './pgLaneDirectory.js';
import { PgListener } from './pgListener.js';
import { PgMailbox } from './pgMailbox.js';
import { PgStationDirectory } from './pgStationDirectory.js';
import type { FleetPoolOptions } from './pool.js';

export interface PgFleetOptions extends FleetPoolOptions {
  /** The station directory's lease (tests shorten it). */
  leaseMs?: number;
}

/**
 * A station's whole connection to the shared database: the Fleet port plus the station directory
 * (`stations`), on ONE pool (3 connections) and one LISTEN connection. `close()` ends both;
 * `stations.close()` alone does nothing, the pool being the fleet's.
 */
export interface PgFleet extends Fleet {
  readonly stations: StationDirectory;
}

/**
 * Opens the fleet on `url`, migrating the shared schema first (refusing a newer one:
 * `version_skew`). A database that cannot be reached fails with `fleet_unavailable` (the URL
 * redacted). Pool and listener failures later go to `onError`, never thrown into the caller.
 */
export async function openPgFleet(url: string, options: PgFleetOptions = {}): Promise<PgFleet> {
  return new PgFleetImpl(await openFleetDb(url, options.onError), options);
}

class PgFleetImpl implements PgFleet {
  readonly stations: StationDirectory;
  private readonly db: FleetDb;
  private readonly lanes: PgLaneDirectory;
  private readonly mailbox: PgMailbox;
  private readonly facts: PgFactStream;
  private readonly listener: PgListener;
  private closing: Promise<void> | null = null;

  constructor(db: FleetDb, options: PgFleetOptions) {
    this.db = db;
    this.stations = new PgStationDirectory(db, options.leaseMs ?? STATION_LEASE_MS, false);
    this.lanes = new PgLaneDirectory(db);
    this.mailbox = new PgMailbox(db);
    this.facts = new PgFactStream(db);
    this.listener = new PgListener(db.url, redactedErrors(db.url, options.onError));
  }

  publishLanes(station: string, lanes: readonly FleetLane[]): Promise<void> {
    return this.lanes.publishLanes(station, lanes);
  }
  replaceLanes(station: string, lanes: readonly FleetLane[]): Promise<void> {
    return this.lanes.replaceLanes(station, lanes);
  }
  removeLanes(station: string, laneIds: readonly string[]): Promise<void> {
    return this.lanes.removeLanes(station, laneIds);
  }
  listLanes(options?: { station?: string }): Promise<FleetLane[]> {
    return this.lanes.listLanes(options);
  }

  post(mail: NewMail): Promise<Mail> {
    return this.mailbox.post(mail);
  }
  claim(station: string, limit: number): Promise<Mail[]> {
    return this.mailbox.claim(station, limit);
  }
  unfinished(station: string): Promise<Mail[]> {
    return this.mailbox.unfinished(station);
  }
  report(id: number, station: string, report: MailReport): Promise<Mail> {
    return this.mailbox.report(id, station, report);
  }
  changedSince(sender: string, version: number, limit: number): Promise<Mail[]> {
    return this.mailbox.changedSince(sender, version, limit);
  }

  pruneMail(sender: string, throughVersion: number, olderThanMs: number): Promise<number> {
    return this.mailbox.pruneMail(sender, throughVersion, olderThanMs);
  }
  find(id: number): Promise<Mail | undefined> {
    return this.mailbox.find(id);
  }

  publishFacts(station: string, facts: readonly StoredFact[]): Promise<void> {
    return this.facts.publishFacts(station, facts);
  }
  latestFact(station: string): Promise<number> {
    return this.facts.latestFact(station);
  }
  factsSince(station: string, seq: number, options: { lanes?: readonly string[]; limit: number }): Promise<FleetFact[]> {
    return this.facts.factsSince(station, seq, options);
  }
  pruneFacts(station: string, keep: number): Promise<number> {
    return this.facts.pruneFacts(station, keep);
  }

  listen(listener: (wake: FleetWake) => void): Disposable {
    return this.listener.listen(listener);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.listener.close();
      await this.db.pool.end();
    })();
    return this.closing;
  }
}
