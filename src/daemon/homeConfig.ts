import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { z } from 'zod';
import { UNLIMITED_CAPACITY, type CapacitySettings } from '../core/admissionPolicy.js';
import { DEFAULT_FACT_RETENTION } from '../core/journal.js';
import type { FactRetention } from '../core/ports.js';
import { requireStationName } from '../core/fleet.js';
import { DispatchError } from '../shared/errors.js';
import { redactUrl } from '../shared/redactUrl.js';
import { DEFAULT_HOOK_LIMITS, type AttentionHookConfig } from './attentionHook.js';

/**
 * `$DISPATCH_HOME/config.toml`: the daemon's own settings (not codex's). Optional; every key has
 * a default, and an unknown key or a wrong type stops the daemon with the key named.
 *
 *   [events]
 *   keep = 100000      # facts the log keeps at most
 *   max_age_days = 30  # and none older than this
 *
 *   [hooks]
 *   attention = "notify-send \"dispatch: $DISPATCH_HANDLE $DISPATCH_REASON\""  # off when unset
 *   timeout_seconds = 10  # a hook still running then is killed
 *   max_running = 4       # hooks at once; later ones wait their turn
 *
 *   [capacity]
 *   max_busy_lanes = 4         # turns running at once across the daemon (unlimited when unset)
 *   hold_above_percent = 90    # a rate-limit window this full holds new turns until it resets (off when unset)
 *
 *   [fleet]                    # join a fleet of stations (off when unset; both keys together)
 *   url = "postgres://dispatch:…@db.example/dispatch"   # or DISPATCH_FLEET_URL
 *   station = "build-1"                                # or DISPATCH_STATION
 */
const homeConfigSchema = z.strictObject({
  events: z
    .strictObject({
      keep: z.number().int().min(1000).default(DEFAULT_FACT_RETENTION.keep),
      max_age_days: z.number().positive().default(DEFAULT_FACT_RETENTION.maxAgeDays),
    })
    .default({ keep: DEFAULT_FACT_RETENTION.keep, max_age_days: DEFAULT_FACT_RETENTION.maxAgeDays }),
  hooks: z
    .strictObject({
      attention: z.string().trim().min(1).optional(),
      timeout_seconds: z.number().positive().max(3600).default(DEFAULT_HOOK_LIMITS.timeoutSeconds),
      max_running: z.number().int().min(1).max(64).default(DEFAULT_HOOK_LIMITS.maxRunning),
    })
    .optional(),
  capacity: z
    .strictObject({
      max_busy_lanes: z.number().int().min(1).optional(),
      hold_above_percent: z.number().gt(0).max(100).optional(),
    })
    .optional(),
  fleet: z
    .strictObject({
      url: z.string().trim().min(1).optional(),
      station: z.string().trim().min(1).optional(),
    })
    .optional(),
});

export interface HomeConfig {
  path: string;
  retention: FactRetention;
  /** The shell command run when a lane comes to need a person; absent when none is set. */
  attentionHook?: AttentionHookConfig;
  capacity: CapacitySettings;
  /** `[fleet]` (or DISPATCH_FLEET_URL / DISPATCH_STATION); absent for a station on its own. */
  fleet?: FleetSettings;
}

/** Where the fleet's database is and this station's name in it. The url holds a password: log `redactUrl(url)` only. */
export interface FleetSettings {
  url: string;
  station: string;
}

export function homeConfigPath(home: string): string {
  return path.join(home, 'config.toml');
}

export function loadHomeConfig(home: string, env: NodeJS.ProcessEnv = {}): HomeConfig {
  const file = homeConfigPath(home);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new DispatchError('validation', `cannot read ${file}: ${(error as Error).message}`);
    text = '';
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new DispatchError('validation', `${file} is not valid TOML: ${error instanceof TomlError ? error.message.split('\n')[0] : (error as Error).message}`);
  }
  const parsed = homeConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = [...(issue?.path ?? []), ...(issue && 'keys' in issue ? issue.keys : [])].join('.');
    throw new DispatchError('validation', `${file}: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`);
  }
  const { events, hooks, capacity: limits } = parsed.data;
  const retention = { keep: events.keep, maxAgeDays: events.max_age_days };
  const capacity: CapacitySettings = { maxBusyLanes: limits?.max_busy_lanes ?? UNLIMITED_CAPACITY.maxBusyLanes, holdAbovePercent: limits?.hold_above_percent ?? UNLIMITED_CAPACITY.holdAbovePercent };
  const fleet = fleetSettingsOf(file, parsed.data.fleet, env);
  return {
    path: file,
    retention,
    capacity,
    ...(fleet ? { fleet } : {}),
    ...(hooks?.attention === undefined ? {} : { attentionHook: { command: hooks.attention, timeoutSeconds: hooks.timeout_seconds, maxRunning: hooks.max_running } }),
  };
}

/** `[fleet]` with the environment over it; a url without a station (or the reverse) is a mistake, not a default. */
function fleetSettingsOf(file: string, fromFile: { url?: string | undefined; station?: string | undefined } | undefined, env: NodeJS.ProcessEnv): FleetSettings | undefined {
  const url = nonEmpty(env['DISPATCH_FLEET_URL']) ?? fromFile?.url;
  const station = nonEmpty(env['DISPATCH_STATION']) ?? fromFile?.station;
  if (url === undefined && station === undefined) return undefined;
  if (url === undefined) throw new DispatchError('validation', `${file}: fleet.url: a station name is set (${station}) but no fleet database url (set [fleet] url or DISPATCH_FLEET_URL)`);
  if (station === undefined) throw new DispatchError('validation', `${file}: fleet.station: a fleet database url is set but no station name (set [fleet] station or DISPATCH_STATION)`);
  if (!/^postgres(ql)?:\/\//.test(url)) throw new DispatchError('validation', `${file}: fleet.url: must be a postgres:// or postgresql:// url (got ${redactUrl(url)})`);
  return { url, station: requireStationName(station) };
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
