import { describe, expect, it } from 'vitest';
import { decideAdmission, isCapacityLimited, nextResetAt, UNLIMITED_CAPACITY, type CapacitySettings } from '../../src/core/admissionPolicy.js';
import type { RateLimitWindowRow } from '../../src/core/ports.js';

const now = new Date('2026-12-01T13:00:00.000Z');
const window = (name: 'primary' | 'secondary', used: number, resetsAt: string | null): RateLimitWindowRow => ({ window: name, used_percent: used, window_minutes: 300, resets_at: resetsAt, observed_at: now.toISOString() });
const settings = (patch: Partial<CapacitySettings>): CapacitySettings => ({ ...UNLIMITED_CAPACITY, ...patch });

describe('admission policy', () => {
  it('admits everything without limits, whatever the load', () => {
    expect(isCapacityLimited(UNLIMITED_CAPACITY)).toBe(false);
    expect(decideAdmission(UNLIMITED_CAPACITY, { busyLanes: 500, windows: [window('primary', 100, null)] }, now)).toEqual({ admit: true });
  });

  it('holds at max_busy_lanes, not below it', () => {
    const limits = settings({ maxBusyLanes: 2 });
    expect(decideAdmission(limits, { busyLanes: 1, windows: [] }, now)).toEqual({ admit: true });
    expect(decideAdmission(limits, { busyLanes: 2, windows: [] }, now)).toEqual({ admit: false, reason: 'held: 2 of 2 busy lanes', until: null });
  });

  it('holds while a window is at or above the threshold and has not reset, saying until when', () => {
    const limits = settings({ holdAbovePercent: 90 });
    const resets = '2026-12-01T14:05:00.000Z';
    expect(decideAdmission(limits, { busyLanes: 0, windows: [window('primary', 89.9, resets)] }, now)).toEqual({ admit: true });
    expect(decideAdmission(limits, { busyLanes: 0, windows: [window('primary', 90, resets)] }, now)).toEqual({ admit: false, reason: 'held: primary window 90% used, resets 14:05 UTC', until: resets });
    expect(decideAdmission(limits, { busyLanes: 0, windows: [window('primary', 93.25, resets)] }, now)).toMatchObject({ reason: 'held: primary window 93.3% used, resets 14:05 UTC' });
    // The reset time passed: the window started over, whatever the last report said.
    expect(decideAdmission(limits, { busyLanes: 0, windows: [window('primary', 99, '2026-12-01T12:59:59.000Z')] }, now)).toEqual({ admit: true });
    // No reset time: held until a new report.
    expect(decideAdmission(limits, { busyLanes: 0, windows: [window('secondary', 95, null)] }, now)).toEqual({ admit: false, reason: 'held: secondary window 95% used, reset time unknown', until: null });
  });

  it('names the window that resets last when both hold, with its date when it is not within a day', () => {
    const limits = settings({ holdAbovePercent: 80, maxBusyLanes: 1 });
    const verdict = decideAdmission(limits, { busyLanes: 5, windows: [window('primary', 85, '2026-12-01T14:00:00.000Z'), window('secondary', 99, '2026-12-04T09:30:00.000Z')] }, now);
    expect(verdict).toEqual({ admit: false, reason: 'held: secondary window 99% used, resets 2026-12-04 09:30 UTC', until: '2026-12-04T09:30:00.000Z' });
  });

  it('wakes at the earliest reset of a holding window, none when nothing holds by time', () => {
    const limits = settings({ holdAbovePercent: 90 });
    const windows = [window('primary', 95, '2026-12-01T14:00:00.000Z'), window('secondary', 96, '2026-12-01T13:30:00.000Z')];
    expect(nextResetAt(limits, windows, now)).toBe('2026-12-01T13:30:00.000Z');
    expect(nextResetAt(limits, [window('primary', 50, '2026-12-01T14:00:00.000Z')], now)).toBeNull();
    expect(nextResetAt(settings({ maxBusyLanes: 1 }), windows, now)).toBeNull();
  });
});
