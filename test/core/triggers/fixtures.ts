import type { Lane, Trigger } from '../../../src/core/model.js';

/** A trigger with neutral guards; override what a test is about. */
export function makeTrigger(overrides: Partial<Trigger> = {}): Trigger {
  return {
    id: 'T1',
    name: 'nudge',
    lane: '@a',
    when: { kind: 'interval', seconds: 600 },
    action: { kind: 'send', text: 'continue' },
    guard: { idleOnly: false, minIntervalSeconds: null, dedupe: false, once: false },
    enabled: true,
    createdAt: '2026-06-01T10:00:00.000Z',
    lastFiredAt: null,
    lastError: null,
    failureCount: 0,
    ...overrides,
  };
}

/** An idle own lane; override what a test is about. */
export function makeLane(overrides: Partial<Lane> = {}): Lane {
  return {
    id: 'lane-a',
    handle: '@a',
    source: 'own',
    cwd: '/w',
    status: 'idle',
    attention: 'idle',
    activeTurnId: null,
    settings: { sandbox: 'read-only', approvalPolicy: 'never' },
    ephemeral: false,
    latestTurn: null,
    lastAgentMessage: null,
    worktree: null,
    createdAt: '2026-06-01T09:00:00.000Z',
    updatedAt: '2026-06-01T09:00:00.000Z',
    lastEventAt: null,
    ...overrides,
  };
}

/** Shorthand for an instant in a test. */
export function at(iso: string): Date {
  return new Date(iso);
}
