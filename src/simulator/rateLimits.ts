import { DispatchError } from '../shared/errors.js';

// The account's rate-limit windows as the simulated provider reports them. The real Responses API
// sends them as headers on every answer, and codex 0.171.0 turns those into
// `account/rateLimits/updated`: `x-codex-primary-used-percent`, `x-codex-primary-window-minutes`,
// `x-codex-primary-reset-at` (unix seconds), and the same for `secondary` (names read from the
// binary; test/simulator/rateLimits.test.ts checks that the pinned app-server understands them).

/** One window: how much of it is used, how long it is and when it resets. */
export interface SimRateLimitWindow {
  usedPercent: number;
  windowMinutes: number;
  /** Unix seconds; null when the provider says nothing about the reset. */
  resetsAt: number | null;
}

export interface SimRateLimits {
  primary?: SimRateLimitWindow;
  secondary?: SimRateLimitWindow;
}

/** The windows' lengths when a directive names none: codex's 5-hour and weekly windows. */
const DEFAULT_WINDOW_MINUTES = { primary: 300, secondary: 10_080 } as const;

const DURATION = /^(\d+)(s|m|h)?$/;

function seconds(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : n;
}

/**
 * `primary=95 resets=60s [window=300] [secondary=40 secondary-resets=2h secondary-window=10080]`,
 * or `off` (null): the windows every answer reports from now on. `resets` is relative to `now`.
 */
export function parseRateLimitDirective(rest: string, now: Date): SimRateLimits | null {
  if (rest.trim() === 'off') return null;
  const values = new Map<string, string>();
  for (const token of rest.split(/\s+/).filter(Boolean)) {
    const eq = token.indexOf('=');
    if (eq <= 0) throw new DispatchError('validation', `ratelimit expects key=value pairs, not "${token}"; for example "@sim ratelimit primary=95 resets=60s"`);
    values.set(token.slice(0, eq).toLowerCase(), token.slice(eq + 1));
  }
  const known = new Set(['primary', 'resets', 'window', 'primary-resets', 'primary-window', 'secondary', 'secondary-resets', 'secondary-window']);
  for (const key of values.keys()) if (!known.has(key)) throw new DispatchError('validation', `ratelimit does not know "${key}" (known: ${[...known].join(', ')})`);
  const limits: SimRateLimits = {};
  for (const name of ['primary', 'secondary'] as const) {
    const used = values.get(name);
    if (used === undefined) continue;
    const usedPercent = Number(used);
    if (!/^\d+(\.\d+)?$/.test(used) || usedPercent > 100) throw new DispatchError('validation', `${name} must be a percentage 0-100, not "${used}"`);
    const windowText = values.get(`${name}-window`) ?? (name === 'primary' ? values.get('window') : undefined);
    const windowMinutes = windowText === undefined ? DEFAULT_WINDOW_MINUTES[name] : Number(windowText);
    if (!Number.isInteger(windowMinutes) || windowMinutes <= 0) throw new DispatchError('validation', `${name} window must be a positive number of minutes`);
    const resetsText = values.get(`${name}-resets`) ?? (name === 'primary' ? values.get('resets') : undefined);
    const after = resetsText === undefined ? undefined : seconds(resetsText);
    if (resetsText !== undefined && after === undefined) throw new DispatchError('validation', `${name} resets must be a duration like 60s, 5m or 2h, not "${resetsText}"`);
    limits[name] = { usedPercent, windowMinutes, resetsAt: after === undefined ? null : Math.floor(now.getTime() / 1000) + after };
  }
  if (!limits.primary && !limits.secondary) throw new DispatchError('validation', 'ratelimit needs primary=<percent> or secondary=<percent>, or "off"');
  return limits;
}

/**
 * The headers an answer carries for the windows at `now`: a window whose reset time has passed
 * starts over (0% used), as the real provider's does.
 */
export function rateLimitHeaders(limits: SimRateLimits | null, now: Date): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!limits) return headers;
  const nowSeconds = now.getTime() / 1000;
  for (const name of ['primary', 'secondary'] as const) {
    const window = limits[name];
    if (!window) continue;
    const reset = window.resetsAt !== null && window.resetsAt <= nowSeconds;
    headers[`x-codex-${name}-used-percent`] = String(reset ? 0 : window.usedPercent);
    headers[`x-codex-${name}-window-minutes`] = String(window.windowMinutes);
    if (window.resetsAt !== null && !reset) headers[`x-codex-${name}-reset-at`] = String(window.resetsAt);
  }
  return headers;
}

const RATELIMIT_LINE = /^[ \t]*@sim[ \t]+ratelimit(?:[ \t]+(.*))?$/im;

/** The arguments of a message's `@sim ratelimit` line, or undefined when it has none. */
export function rateLimitDirectiveOf(text: string): string | undefined {
  const m = RATELIMIT_LINE.exec(text);
  return m ? (m[1] ?? '').trim() : undefined;
}
