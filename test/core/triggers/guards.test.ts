import { describe, expect, it } from 'vitest';
import type { Trigger, TriggerGuard } from '../../../src/core/model.js';
import { afterFiring, checkGuards } from '../../../src/core/triggers/plan.js';
import { at, makeLane, makeTrigger } from './fixtures.js';

const now = at('2026-06-01T12:00:00.000Z');
const guarded = (guard: Partial<TriggerGuard>, overrides: Partial<Trigger> = {}): Trigger =>
  makeTrigger({ guard: { idleOnly: false, minIntervalSeconds: null, dedupe: false, once: false, ...guard }, ...overrides });
const context = (overrides: Partial<Parameters<typeof checkGuards>[1]> = {}) => ({
  now,
  target: makeLane(),
  renderedText: 'continue',
  lastText: undefined,
  ...overrides,
});

describe('checkGuards', () => {
  it('fires when nothing stands in the way', () => {
    expect(checkGuards(guarded({}), context())).toEqual({ fire: true });
  });

  it('skips a disabled trigger', () => {
    expect(checkGuards(guarded({}, { enabled: false }), context())).toEqual({ fire: false, reason: 'disabled' });
  });

  it('holds min_interval both ways', () => {
    const trigger = guarded({ minIntervalSeconds: 120 }, { lastFiredAt: '2026-06-01T11:58:30.000Z' });
    expect(checkGuards(trigger, context())).toEqual({ fire: false, reason: 'min_interval' });
    expect(checkGuards(trigger, context({ now: at('2026-06-01T12:00:30.000Z') }))).toEqual({ fire: true });
    expect(checkGuards(guarded({ minIntervalSeconds: 120 }), context())).toEqual({ fire: true });
  });

  it('holds idle_only both ways', () => {
    const trigger = guarded({ idleOnly: true });
    expect(checkGuards(trigger, context({ target: makeLane({ status: 'busy' }) }))).toEqual({ fire: false, reason: 'target busy' });
    expect(checkGuards(trigger, context({ target: makeLane({ status: 'waiting_approval' }) }))).toEqual({ fire: false, reason: 'target busy' });
    expect(checkGuards(trigger, context({ target: makeLane({ status: 'idle' }) }))).toEqual({ fire: true });
    // An unresolved target is the apply step's error to report, not a busy lane.
    expect(checkGuards(trigger, context({ target: undefined }))).toEqual({ fire: true });
    expect(checkGuards(guarded({ idleOnly: false }), context({ target: makeLane({ status: 'busy' }) }))).toEqual({ fire: true });
  });

  it('holds dedupe both ways', () => {
    const trigger = guarded({ dedupe: true });
    expect(checkGuards(trigger, context({ lastText: 'continue' }))).toEqual({ fire: false, reason: 'duplicate text' });
    expect(checkGuards(trigger, context({ lastText: 'something else' }))).toEqual({ fire: true });
    expect(checkGuards(trigger, context({ lastText: undefined }))).toEqual({ fire: true });
    expect(checkGuards(guarded({ dedupe: false }), context({ lastText: 'continue' }))).toEqual({ fire: true });
  });
});

describe('afterFiring', () => {
  it('disables a once trigger and keeps the others', () => {
    expect(afterFiring(guarded({ once: true }))).toEqual({ disable: true });
    expect(afterFiring(guarded({ once: false }))).toEqual({ disable: false });
  });
});
