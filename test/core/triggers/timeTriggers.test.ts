import { describe, expect, it } from 'vitest';
import type { Lane, Trigger } from '../../../src/core/model.js';
import { cronProblem, dueTimeTriggers, isTimeTriggerDue, nextFireTime, nextWakeTime } from '../../../src/core/triggers/plan.js';
import { at, makeLane, makeTrigger } from './fixtures.js';

/** What the apply half does after a firing: the baseline moves to the firing time. */
function fired(trigger: Trigger, now: Date): Trigger {
  return { ...trigger, lastFiredAt: now.toISOString() };
}

/** Polls every `stepSeconds` from `from` to `to` (a fake clock) and returns the firing instants. */
function simulate(trigger: Trigger, from: string, to: string, stepSeconds: number, lane?: Lane): string[] {
  const firings: string[] = [];
  let current = trigger;
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepSeconds * 1000) {
    const now = new Date(t);
    if (isTimeTriggerDue(current, now, lane)) {
      firings.push(now.toISOString());
      current = fired(current, now);
    }
  }
  return firings;
}

describe('interval triggers', () => {
  const trigger = makeTrigger({ when: { kind: 'interval', seconds: 600 }, createdAt: '2026-06-01T10:00:00.000Z' });

  it('are first due one period after creation, not at creation', () => {
    expect(isTimeTriggerDue(trigger, at('2026-06-01T10:00:00.000Z'), undefined)).toBe(false);
    expect(isTimeTriggerDue(trigger, at('2026-06-01T10:09:59.999Z'), undefined)).toBe(false);
    expect(isTimeTriggerDue(trigger, at('2026-06-01T10:10:00.000Z'), undefined)).toBe(true);
  });

  it('are then due every period, counted from the last firing', () => {
    const once = fired(trigger, at('2026-06-01T10:10:00.000Z'));
    expect(isTimeTriggerDue(once, at('2026-06-01T10:19:59.000Z'), undefined)).toBe(false);
    expect(isTimeTriggerDue(once, at('2026-06-01T10:20:00.000Z'), undefined)).toBe(true);
    expect(simulate(trigger, '2026-06-01T10:00:00.000Z', '2026-06-01T10:45:00.000Z', 60)).toEqual([
      '2026-06-01T10:10:00.000Z',
      '2026-06-01T10:20:00.000Z',
      '2026-06-01T10:30:00.000Z',
      '2026-06-01T10:40:00.000Z',
    ]);
  });

  it('fire once after a long outage, and the next period counts from that firing', () => {
    const before = fired(trigger, at('2026-06-01T10:10:00.000Z'));
    // The daemon was down for five hours (30 missed periods); the first poll afterwards:
    const back = at('2026-06-01T15:13:27.000Z');
    expect(dueTimeTriggers([before], new Map(), back)).toEqual([before]);
    const after = fired(before, back);
    expect(isTimeTriggerDue(after, at('2026-06-01T15:13:28.000Z'), undefined)).toBe(false);
    expect(isTimeTriggerDue(after, at('2026-06-01T15:23:26.000Z'), undefined)).toBe(false);
    expect(isTimeTriggerDue(after, at('2026-06-01T15:23:27.000Z'), undefined)).toBe(true);
  });

  it('with a non-positive or unreadable period are never due', () => {
    expect(isTimeTriggerDue(makeTrigger({ when: { kind: 'interval', seconds: 0 } }), at('2030-01-01T00:00:00Z'), undefined)).toBe(false);
    expect(isTimeTriggerDue(makeTrigger({ createdAt: 'yesterday' }), at('2030-01-01T00:00:00Z'), undefined)).toBe(false);
  });
});

describe('cron triggers', () => {
  const daily = (timezone: string | undefined, createdAt: string) =>
    makeTrigger({ when: timezone === undefined ? { kind: 'cron', expr: '0 9 * * *' } : { kind: 'cron', expr: '0 9 * * *', timezone }, createdAt });

  it('fire at 09:00 Paris time in winter (08:00Z) and after the DST switch on 2026-03-29 (07:00Z)', () => {
    const winter = daily('Europe/Paris', '2026-03-27T12:00:00.000Z');
    expect(isTimeTriggerDue(winter, at('2026-03-28T07:59:59.000Z'), undefined)).toBe(false);
    expect(isTimeTriggerDue(winter, at('2026-03-28T08:00:00.000Z'), undefined)).toBe(true);

    const dstDay = fired(winter, at('2026-03-28T08:00:00.000Z'));
    expect(nextFireTime(dstDay, undefined, at('2026-03-28T08:00:01.000Z'))).toEqual(at('2026-03-29T07:00:00.000Z'));
    expect(isTimeTriggerDue(dstDay, at('2026-03-29T06:59:59.000Z'), undefined)).toBe(false);
    expect(isTimeTriggerDue(dstDay, at('2026-03-29T07:00:00.000Z'), undefined)).toBe(true);
  });

  it('fire at 09:00 New York time before (14:00Z) and on the DST day 2026-03-08 (13:00Z)', () => {
    const winter = daily('America/New_York', '2026-03-06T20:00:00.000Z');
    expect(isTimeTriggerDue(winter, at('2026-03-07T13:59:59.000Z'), undefined)).toBe(false);
    expect(isTimeTriggerDue(winter, at('2026-03-07T14:00:00.000Z'), undefined)).toBe(true);

    const dstDay = fired(winter, at('2026-03-07T14:00:00.000Z'));
    expect(isTimeTriggerDue(dstDay, at('2026-03-08T12:59:59.000Z'), undefined)).toBe(false);
    expect(isTimeTriggerDue(dstDay, at('2026-03-08T13:00:00.000Z'), undefined)).toBe(true);
    // Polled every minute across the DST day, it fires exactly once, at 09:00 EDT.
    expect(simulate(dstDay, '2026-03-08T12:00:00.000Z', '2026-03-09T12:00:00.000Z', 60)).toEqual(['2026-03-08T13:00:00.000Z']);
  });

  it('run in UTC when the trigger stores no zone', () => {
    const utc = daily(undefined, '2026-06-01T00:00:00.000Z');
    expect(isTimeTriggerDue(utc, at('2026-06-01T08:59:59.000Z'), undefined)).toBe(false);
    expect(isTimeTriggerDue(utc, at('2026-06-01T09:00:00.000Z'), undefined)).toBe(true);
  });

  it('collapse three missed days into one firing, then resume the schedule', () => {
    const trigger = fired(daily('Europe/Paris', '2026-05-01T00:00:00.000Z'), at('2026-06-01T07:00:00.000Z'));
    // Down from just after the 1 June run until 4 June 12:00Z, missing 2, 3 and 4 June.
    expect(simulate(trigger, '2026-06-04T12:00:00.000Z', '2026-06-06T12:00:00.000Z', 300)).toEqual([
      '2026-06-04T12:00:00.000Z',
      '2026-06-05T07:00:00.000Z',
      '2026-06-06T07:00:00.000Z',
    ]);
  });

  it('with an invalid expression or zone are never due, report a problem, and do not stop the others', () => {
    const badExpr = makeTrigger({ id: 'bad-expr', when: { kind: 'cron', expr: 'every day at nine' }, createdAt: '2026-06-01T00:00:00.000Z' });
    const badZone = makeTrigger({ id: 'bad-zone', when: { kind: 'cron', expr: '0 9 * * *', timezone: 'Mars/Olympus' }, createdAt: '2026-06-01T00:00:00.000Z' });
    const never = makeTrigger({ id: 'never', when: { kind: 'cron', expr: '0 9 31 2 *' }, createdAt: '2026-06-01T00:00:00.000Z' });
    const good = makeTrigger({ id: 'good', when: { kind: 'cron', expr: '0 9 * * *' }, createdAt: '2026-06-01T00:00:01.000Z' });
    const now = at('2026-06-02T10:00:00.000Z');

    expect(() => isTimeTriggerDue(badExpr, now, undefined)).not.toThrow();
    expect(isTimeTriggerDue(badExpr, now, undefined)).toBe(false);
    expect(isTimeTriggerDue(badZone, now, undefined)).toBe(false);
    expect(nextFireTime(badExpr, undefined, now)).toBeNull();
    expect(cronProblem(badExpr)).toMatch(/invalid cron expression 'every day at nine'/);
    expect(cronProblem(badZone)).toMatch(/unknown time zone 'Mars\/Olympus'/);
    expect(cronProblem(never)).toMatch(/never fires/);
    expect(cronProblem(good)).toBeNull();
    expect(cronProblem(makeTrigger())).toBeNull();

    expect(dueTimeTriggers([badExpr, badZone, never, good], new Map(), now).map((t) => t.id)).toEqual(['good']);
  });
});

describe('idle_for triggers', () => {
  const trigger = makeTrigger({ when: { kind: 'idle_for', seconds: 300 }, lane: '@a' });
  const idleSince = (lastEventAt: string | null, status: Lane['status'] = 'idle') => makeLane({ status, lastEventAt });

  it('fire once the lane has been idle for the period', () => {
    const lane = idleSince('2026-06-01T12:00:00.000Z');
    expect(isTimeTriggerDue(trigger, at('2026-06-01T12:04:59.000Z'), lane)).toBe(false);
    expect(isTimeTriggerDue(trigger, at('2026-06-01T12:05:00.000Z'), lane)).toBe(true);
  });

  it('fire once per idle period: not again until a lane event moves past the firing', () => {
    const lane = idleSince('2026-06-01T12:00:00.000Z');
    const once = fired(trigger, at('2026-06-01T12:05:00.000Z'));
    expect(isTimeTriggerDue(once, at('2026-06-01T12:30:00.000Z'), lane)).toBe(false);
    expect(isTimeTriggerDue(once, at('2026-06-02T12:00:00.000Z'), lane)).toBe(false);
    expect(nextFireTime(once, lane, at('2026-06-01T12:30:00.000Z'))).toBeNull();
    expect(simulate(trigger, '2026-06-01T12:00:00.000Z', '2026-06-01T18:00:00.000Z', 60, lane)).toEqual(['2026-06-01T12:05:00.000Z']);

    // The nudge started a turn; the lane is idle again from 12:20.
    const again = idleSince('2026-06-01T12:20:00.000Z');
    expect(isTimeTriggerDue(once, at('2026-06-01T12:24:59.000Z'), again)).toBe(false);
    expect(isTimeTriggerDue(once, at('2026-06-01T12:25:00.000Z'), again)).toBe(true);
  });

  it('ignore busy, waiting, errored, archived and missing lanes and lanes with no events', () => {
    const now = at('2026-06-02T00:00:00.000Z');
    for (const status of ['busy', 'waiting_approval', 'error', 'archived', 'unknown'] as const) {
      expect(isTimeTriggerDue(trigger, now, idleSince('2026-06-01T12:00:00.000Z', status))).toBe(false);
      expect(nextFireTime(trigger, idleSince('2026-06-01T12:00:00.000Z', status), now)).toBeNull();
    }
    expect(isTimeTriggerDue(trigger, now, undefined)).toBe(false);
    expect(isTimeTriggerDue(trigger, now, idleSince(null))).toBe(false);
  });

  it('resolve their lane through the lookup given to dueTimeTriggers', () => {
    const lane = idleSince('2026-06-01T12:00:00.000Z');
    const now = at('2026-06-01T12:10:00.000Z');
    expect(dueTimeTriggers([trigger], new Map([['@a', lane]]), now)).toEqual([trigger]);
    // A map keyed by lane id still finds the lane by handle or id selector.
    expect(dueTimeTriggers([trigger], new Map([['lane-a', lane]]), now)).toEqual([trigger]);
    expect(dueTimeTriggers([{ ...trigger, lane: 'lane-a' }], new Map([['lane-a', lane]]), now)).toHaveLength(1);
    expect(dueTimeTriggers([trigger], (selector) => (selector === '@a' ? lane : undefined), now)).toEqual([trigger]);
    const throwing = () => {
      throw new Error('no lane');
    };
    expect(dueTimeTriggers([trigger], throwing, now)).toEqual([]);
  });
});

describe('event triggers and the due list', () => {
  it('are never time-due', () => {
    const trigger = makeTrigger({ when: { kind: 'event', event: 'turn_completed' } });
    expect(isTimeTriggerDue(trigger, at('2030-01-01T00:00:00Z'), makeLane({ lastEventAt: '2026-01-01T00:00:00Z' }))).toBe(false);
    expect(nextFireTime(trigger, makeLane(), at('2030-01-01T00:00:00Z'))).toBeNull();
  });

  it('lists due triggers oldest first (createdAt, then id), skipping disabled ones', () => {
    const now = at('2026-06-02T00:00:00.000Z');
    const c = makeTrigger({ id: 'c', createdAt: '2026-06-01T10:00:00.000Z' });
    const b = makeTrigger({ id: 'b', createdAt: '2026-06-01T10:00:00.000Z' });
    const a = makeTrigger({ id: 'a', createdAt: '2026-06-01T11:00:00.000Z' });
    const off = makeTrigger({ id: '0', createdAt: '2026-06-01T09:00:00.000Z', enabled: false });
    const notYet = makeTrigger({ id: '1', createdAt: '2026-06-01T23:55:00.000Z' });
    expect(dueTimeTriggers([a, off, c, notYet, b], new Map(), now).map((t) => t.id)).toEqual(['b', 'c', 'a']);
  });
});

describe('nextFireTime and nextWakeTime', () => {
  const now = at('2026-06-01T10:05:00.000Z');

  it('give an interval trigger its baseline plus the period', () => {
    expect(nextFireTime(makeTrigger(), undefined, now)).toEqual(at('2026-06-01T10:10:00.000Z'));
    expect(nextFireTime(makeTrigger({ lastFiredAt: '2026-06-01T10:04:00.000Z' }), undefined, now)).toEqual(at('2026-06-01T10:14:00.000Z'));
  });

  it('never lie in the past: an overdue trigger is due now', () => {
    expect(nextFireTime(makeTrigger({ lastFiredAt: '2026-05-01T00:00:00.000Z' }), undefined, now)).toEqual(now);
  });

  it('give a cron trigger its next run after the baseline', () => {
    const cron = makeTrigger({ when: { kind: 'cron', expr: '30 * * * *' }, createdAt: '2026-06-01T10:00:00.000Z' });
    expect(nextFireTime(cron, undefined, now)).toEqual(at('2026-06-01T10:30:00.000Z'));
  });

  it('give an idle_for trigger lastEventAt plus the period while idle and unfired', () => {
    const idle = makeTrigger({ when: { kind: 'idle_for', seconds: 900 } });
    expect(nextFireTime(idle, makeLane({ lastEventAt: '2026-06-01T10:00:00.000Z' }), now)).toEqual(at('2026-06-01T10:15:00.000Z'));
    expect(nextFireTime(idle, makeLane({ status: 'busy', lastEventAt: '2026-06-01T10:00:00.000Z' }), now)).toBeNull();
  });

  it('agree with isTimeTriggerDue', () => {
    const triggers = [
      makeTrigger(),
      makeTrigger({ when: { kind: 'cron', expr: '*/7 * * * *', timezone: 'Asia/Kolkata' } }),
      makeTrigger({ when: { kind: 'idle_for', seconds: 90 } }),
    ];
    const lane = makeLane({ lastEventAt: '2026-06-01T10:03:00.000Z' });
    for (const trigger of triggers) {
      for (let t = Date.parse('2026-06-01T10:00:00.000Z'); t < Date.parse('2026-06-01T10:20:00.000Z'); t += 15_000) {
        const clock = new Date(t);
        const next = nextFireTime(trigger, lane, clock);
        expect(isTimeTriggerDue(trigger, clock, lane)).toBe(next !== null && next.getTime() <= clock.getTime());
      }
    }
  });

  it('wake the scheduler at the earliest pending enabled time trigger', () => {
    const lane = makeLane({ lastEventAt: '2026-06-01T10:00:00.000Z' });
    const triggers = [
      makeTrigger({ id: 'interval' }),
      makeTrigger({ id: 'idle', when: { kind: 'idle_for', seconds: 420 } }),
      makeTrigger({ id: 'off', when: { kind: 'interval', seconds: 60 }, enabled: false }),
      makeTrigger({ id: 'event', when: { kind: 'event', event: 'lane_idle' } }),
    ];
    expect(nextWakeTime(triggers, new Map([['@a', lane]]), now)).toEqual(at('2026-06-01T10:07:00.000Z'));
    expect(nextWakeTime([triggers[3] as Trigger], new Map(), now)).toBeNull();
  });
});
