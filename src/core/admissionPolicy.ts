import type { RateLimitWindowRow } from './ports.js';

/** `[capacity]` of config.toml: how much work the daemon lets run at once (null: no limit). */
export interface CapacitySettings {
  /** Turns running at once across the daemon. */
  maxBusyLanes: number | null;
  /** A rate-limit window used at or above this percent holds new turns until it resets. */
  holdAbovePercent: number | null;
}

export const UNLIMITED_CAPACITY: CapacitySettings = { maxBusyLanes: null, holdAbovePercent: null };

export const isCapacityLimited = (settings: CapacitySettings): boolean => settings.maxBusyLanes !== null || settings.holdAbovePercent !== null;

/** What admission looks at: turns running now and the account's latest windows. */
export interface CapacityLoad {
  busyLanes: number;
  windows: readonly RateLimitWindowRow[];
}

/** Whether a new turn may start now; when not, why and until when (ISO; null: until a turn ends or a new report). */
export type AdmissionVerdict = { admit: true } | { admit: false; reason: string; until: string | null };

const ADMIT: AdmissionVerdict = { admit: true };

/** Windows at or above the threshold that have not reset yet (a passed reset time means the window started over). */
export function holdingWindows(settings: CapacitySettings, windows: readonly RateLimitWindowRow[], now: Date): RateLimitWindowRow[] {
  const threshold = settings.holdAbovePercent;
  if (threshold === null) return [];
  return windows.filter((w) => w.used_percent >= threshold && (w.resets_at === null || Date.parse(w.resets_at) > now.getTime()));
}

/** `14:05 UTC`, with the date when it is not within a day. */
function clockTime(iso: string, now: Date): string {
  const at = new Date(iso);
  const time = at.toISOString().slice(11, 16);
  return at.getTime() - now.getTime() < 86_400_000 ? `${time} UTC` : `${at.toISOString().slice(0, 10)} ${time} UTC`;
}

const percent = (value: number): string => `${Number(value.toFixed(1))}%`;

/**
 * The admission policy: a rate-limit window over the threshold holds new turns until it resets
 * (the one that resets last is named: the hold lasts until then), then the busy-lane limit holds
 * them until a turn ends. Running turns are never touched; this only decides about starting one.
 */
export function decideAdmission(settings: CapacitySettings, load: CapacityLoad, now: Date): AdmissionVerdict {
  const holding = holdingWindows(settings, load.windows, now);
  if (holding.length > 0) {
    const last = holding.reduce((a, b) => (a.resets_at === null ? a : b.resets_at === null ? b : Date.parse(a.resets_at) >= Date.parse(b.resets_at) ? a : b));
    const when = last.resets_at === null ? 'reset time unknown' : `resets ${clockTime(last.resets_at, now)}`;
    return { admit: false, reason: `held: ${last.window} window ${percent(last.used_percent)} used, ${when}`, until: last.resets_at };
  }
  if (settings.maxBusyLanes !== null && load.busyLanes >= settings.maxBusyLanes) {
    return { admit: false, reason: `held: ${load.busyLanes} of ${settings.maxBusyLanes} busy lanes`, until: null };
  }
  return ADMIT;
}

/** When the verdict may change by time alone: the earliest future reset of a holding window (null: none). */
export function nextResetAt(settings: CapacitySettings, windows: readonly RateLimitWindowRow[], now: Date): string | null {
  const times = holdingWindows(settings, windows, now)
    .map((w) => w.resets_at)
    .filter((t): t is string => t !== null)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  return times[0] ?? null;
}
