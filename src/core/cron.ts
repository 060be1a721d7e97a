import { Cron } from 'croner';
import { DispatchError } from '../shared/errors.js';

/** The zone cron expressions use when a trigger names none: the daemon's local zone. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The first time after `after` that `expr` matches in `timeZone`, or null if it never does. */
export function nextCronRun(expr: string, timeZone: string, after: Date): Date | null {
  return new Cron(expr, { timezone: timeZone, paused: true }).nextRun(after);
}

/** Throws a validation error for an expression or zone that can never be evaluated. */
export function validateCron(expr: string, timeZone: string): void {
  try {
    Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new DispatchError('validation', `unknown time zone '${timeZone}' (use an IANA name such as Europe/Paris)`);
  }
  let next: Date | null;
  try {
    next = nextCronRun(expr, timeZone, new Date());
  } catch (error) {
    throw new DispatchError('validation', `invalid cron expression '${expr}': ${(error as Error).message}`);
  }
  if (next === null) throw new DispatchError('validation', `cron expression '${expr}' never fires`);
}
