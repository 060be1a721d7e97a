import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LatestTurn, TurnSettings } from '../../src/core/model.js';
import type { Fact } from '../../src/core/facts.js';
import type { Clock, FactRetention, LanePatch, NewDelivery, NewTrigger, Store } from '../../src/core/ports.js';
import { DispatchError } from '../../src/shared/errors.js';
import { laneRecord, manualClock, type ManualClock } from './helpers.js';

function expectDispatchError(fn: () => unknown, code: DispatchError['code'], message: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(DispatchError);
  expect((thrown as DispatchError).code).toBe(code);
  expect((thrown as DispatchError).message).toBe(message);
}

function deliveryInput(lane: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return { lane, mode: 'queue', source: 'op', text: 'hello', clientMessageId: `client-${lane}`, state: 'queued', ...overrides };
}

function triggerInput(id: string, overrides: Partial<NewTrigger> = {}): NewTrigger {
  return {
    id,
    name: `trigger ${id}`,
    lane: '@alpha',
    when: { kind: 'interval', seconds: 60 },
    action: { kind: 'send', text: 'continue' },
    guard: { idleOnly: true, minIntervalSeconds: null, dedupe: false, once: false },
    enabled: true,
    ...overrides,
  };
}

/**
 * The Store port's conformance suite. `open` must return a fresh, empty store whose timestamps
 * come from the clock it is given (a plain `() => Store` fits the type, but then the verbatim
 * timestamp and ordering tests fail, as they should for a store that ignores its clock).
 */
export function runStoreSuite(open: (clock: Clock) => Store): void {
  let store: Store;
  let clock: ManualClock;

  beforeEach(() => {
    clock = manualClock();
    store = open(clock);
  });

  afterEach(() => {
    store.close();
  });

  describe('lanes', () => {
    it('inserts a lane with clock timestamps and finds it again', () => {
      const lane = store.lanes.insert(laneRecord('t-1'));
      expect(lane).toEqual({
        id: 't-1',
        handle: '@t-1',
        source: 'own',
        cwd: '/work/t-1',
        status: 'idle',
        attention: 'idle',
        activeTurnId: null,
        settings: { sandbox: 'workspace-write', approvalPolicy: 'never' },
        ephemeral: false,
        latestTurn: null,
        lastAgentMessage: null,
        worktree: null,
        createdAt: '2030-01-02T03:04:05.678Z',
        updatedAt: '2030-01-02T03:04:05.678Z',
        lastEventAt: null,
      });
      expect(store.lanes.find('t-1')).toEqual(lane);
      expect(store.lanes.find('missing')).toBeUndefined();
    });

    it("keeps a lane's worktree from insert and from a patch, and clears it with null", () => {
      const worktree = { repo: '/src/p', path: '/src/p.worktrees/w', branch: 'dispatch/w', base: 'main' };
      expect(store.lanes.insert({ ...laneRecord('wt-1'), worktree }).worktree).toEqual(worktree);
      expect(store.lanes.find('wt-1')?.worktree).toEqual(worktree);
      store.lanes.insert(laneRecord('wt-2'));
      store.lanes.update('wt-2', { worktree });
      expect(store.lanes.find('wt-2')?.worktree).toEqual(worktree);
      store.lanes.update('wt-2', { worktree: null });
      expect(store.lanes.find('wt-2')?.worktree).toBeNull();
      store.transaction(() => store.lanes.update('wt-1', { worktree: null, lastEventAt: '2030-01-02T03:04:05.678Z' }));
      expect(store.lanes.find('wt-1')?.worktree).toBeNull();
    });

    it('round-trips every settings field, and keeps absent optional settings absent', () => {
      const full: TurnSettings = {
        sandbox: 'danger-full-access',
        approvalPolicy: 'on-request',
        approvalsReviewer: 'auto_review',
        model: 'gpt-5.5',
        modelProvider: 'openai',
        effort: 'xhigh',
        summary: 'detailed',
        personality: 'pragmatic',
        serviceTier: 'flex',
        outputSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], nested: [1, null, 'x'] },
      };
      store.lanes.insert(laneRecord('full', { settings: full }));
      store.lanes.insert(laneRecord('minimal'));
      expect(store.lanes.find('full')?.settings).toEqual(full);
      const minimal = store.lanes.find('minimal')?.settings;
      expect(minimal).toEqual({ sandbox: 'workspace-write', approvalPolicy: 'never' });
      expect(Object.keys(minimal ?? {})).toEqual(['sandbox', 'approvalPolicy']);
    });

    it('round-trips source, null cwd, status and the ephemeral flag', () => {
      store.lanes.insert(laneRecord('att', { source: 'attached', cwd: null, status: 'unknown', ephemeral: true }));
      expect(store.lanes.find('att')).toMatchObject({ source: 'attached', cwd: null, status: 'unknown', ephemeral: true });
    });

    it('round-trips latestTurn: null, an object with a null error, an object with an error, null again', () => {
      store.lanes.insert(laneRecord('lt'));
      expect(store.lanes.find('lt')?.latestTurn).toBeNull();
      const ok: LatestTurn = { id: 'turn-1', status: 'completed', error: null, at: '2030-01-02T03:05:00.000Z' };
      expect(store.lanes.update('lt', { latestTurn: ok }).latestTurn).toEqual(ok);
      expect(store.lanes.find('lt')?.latestTurn).toEqual(ok);
      const failed: LatestTurn = { id: 'turn-2', status: 'failed', error: { message: 'boom', code: 'usageLimitExceeded' }, at: '2030-01-02T03:06:00.000Z' };
      store.lanes.update('lt', { latestTurn: failed });
      expect(store.lanes.find('lt')?.latestTurn).toEqual(failed);
      const noCode: LatestTurn = { id: 'turn-3', status: 'interrupted', error: { message: 'stopped' }, at: '2030-01-02T03:07:00.000Z' };
      store.lanes.update('lt', { latestTurn: noCode });
      expect(store.lanes.find('lt')?.latestTurn?.error).toEqual({ message: 'stopped' });
      expect(store.lanes.update('lt', { latestTurn: null }).latestTurn).toBeNull();
    });

    it('refuses a taken handle on insert with a conflict, and stores nothing', () => {
      store.lanes.insert(laneRecord('a', { handle: '@shared' }));
      expectDispatchError(() => store.lanes.insert(laneRecord('b', { handle: '@shared' })), 'conflict', "lane handle '@shared' is already taken");
      expect(store.lanes.find('b')).toBeUndefined();
      expect(store.lanes.list()).toHaveLength(1);
    });

    it('refuses a duplicate lane id with a conflict', () => {
      store.lanes.insert(laneRecord('dup'));
      expect(() => store.lanes.insert(laneRecord('dup', { handle: '@other' }))).toThrow(expect.objectContaining({ code: 'conflict' }) as Error);
    });

    it('refuses renaming to a taken handle, allows renaming to its own or a free handle', () => {
      store.lanes.insert(laneRecord('a'));
      store.lanes.insert(laneRecord('b'));
      expectDispatchError(() => store.lanes.update('b', { handle: '@a' }), 'conflict', "lane handle '@a' is already taken");
      expect(store.lanes.find('b')?.handle).toBe('@b');
      expect(store.lanes.update('b', { handle: '@b' }).handle).toBe('@b');
      expect(store.lanes.update('b', { handle: '@bee' }).handle).toBe('@bee');
      expect(store.lanes.findByHandle('@b')).toEqual([]);
      expect(store.lanes.findByHandle('@bee').map((l) => l.id)).toEqual(['b']);
    });

    it('finds by exact, case-sensitive handle and returns an array', () => {
      store.lanes.insert(laneRecord('lower', { handle: '@fix' }));
      store.lanes.insert(laneRecord('upper', { handle: '@Fix' }));
      expect(store.lanes.findByHandle('@fix').map((l) => l.id)).toEqual(['lower']);
      expect(store.lanes.findByHandle('@Fix').map((l) => l.id)).toEqual(['upper']);
      expect(store.lanes.findByHandle('@fi')).toEqual([]);
      expect(store.lanes.findByHandle('fix')).toEqual([]);
    });

    it('applies only the patch keys present: null clears, absent and undefined leave alone', () => {
      store.lanes.insert(laneRecord('p'));
      store.lanes.update('p', { activeTurnId: 'turn-9', lastAgentMessage: 'hello', lastEventAt: '2030-01-02T03:04:06.000Z', status: 'busy' });

      clock.advance(1000);
      const bumped = store.lanes.update('p', {});
      expect(bumped.updatedAt).toBe('2030-01-02T03:04:06.678Z');
      expect(bumped.createdAt).toBe('2030-01-02T03:04:05.678Z');
      expect(bumped).toMatchObject({ activeTurnId: 'turn-9', lastAgentMessage: 'hello', status: 'busy', cwd: '/work/p' });

      const cleared = store.lanes.update('p', { activeTurnId: null, cwd: undefined });
      expect(cleared.activeTurnId).toBeNull();
      expect(cleared.cwd).toBe('/work/p');
      expect(cleared.lastAgentMessage).toBe('hello');
      expect(cleared.lastEventAt).toBe('2030-01-02T03:04:06.000Z');

      const more = store.lanes.update('p', { cwd: null, lastAgentMessage: null, lastEventAt: null, status: 'idle' });
      expect(more).toMatchObject({ cwd: null, lastAgentMessage: null, lastEventAt: null, status: 'idle', activeTurnId: null, handle: '@p' });
      expect(store.lanes.find('p')).toEqual(more);
    });

    it('ignores keys outside LanePatch, so a wider object cannot reach other columns', () => {
      store.lanes.insert(laneRecord('w'));
      const wide = { status: 'busy', settings: { sandbox: 'read-only', approvalPolicy: 'never' }, createdAt: 'never', id: 'other' } as LanePatch;
      const updated = store.lanes.update('w', wide);
      expect(updated).toMatchObject({ id: 'w', status: 'busy', createdAt: '2030-01-02T03:04:05.678Z', settings: { sandbox: 'workspace-write' } });
    });

    it('throws not_found for an unknown lane on update and creates nothing', () => {
      expectDispatchError(() => store.lanes.update('ghost', { status: 'busy' }), 'not_found', "no lane 'ghost'");
      expectDispatchError(() => store.lanes.update('ghost', {}), 'not_found', "no lane 'ghost'");
      expect(store.lanes.list({ includeArchived: true })).toEqual([]);
    });

    it('lists without archived lanes unless asked, ordered by created_at then insertion', () => {
      clock.set('2030-01-02T10:00:00.000Z');
      store.lanes.insert(laneRecord('late'));
      clock.set('2030-01-02T09:00:00.000Z');
      store.lanes.insert(laneRecord('early-2'));
      store.lanes.insert(laneRecord('early-1'));
      store.lanes.insert(laneRecord('gone', { status: 'archived' }));
      clock.set('2030-01-02T11:00:00.000Z');
      store.lanes.insert(laneRecord('latest'));
      store.lanes.update('latest', { status: 'archived' });

      expect(store.lanes.list().map((l) => l.id)).toEqual(['early-2', 'early-1', 'late']);
      expect(store.lanes.list({ includeArchived: false }).map((l) => l.id)).toEqual(['early-2', 'early-1', 'late']);
      expect(store.lanes.list({ includeArchived: true }).map((l) => l.id)).toEqual(['early-2', 'early-1', 'gone', 'late', 'latest']);
      // Updating must not reorder: the order is by creation, not by last change.
      store.lanes.update('early-2', { status: 'busy' });
      expect(store.lanes.list().map((l) => l.id)).toEqual(['early-2', 'early-1', 'late']);
    });
  });

  describe('audit', () => {
    it('records with defaults and the clock timestamp', () => {
      store.audit.record({ op: 'open' });
      const [entry] = store.audit.recent({ limit: 10 });
      expect(entry).toEqual({ id: expect.any(Number) as number, ts: '2030-01-02T03:04:05.678Z', op: 'open', lane: null, triggerId: null, detail: null, outcome: 'ok' });
    });

    it('records every field', () => {
      store.audit.record({ op: 'trigger', lane: 'lane-1', triggerId: 'trg-1', detail: 'fired', outcome: 'lane_busy' });
      expect(store.audit.recent({ limit: 1 })[0]).toMatchObject({ op: 'trigger', lane: 'lane-1', triggerId: 'trg-1', detail: 'fired', outcome: 'lane_busy' });
      store.audit.record({ op: 'x', lane: null, triggerId: null, detail: null });
      expect(store.audit.recent({ limit: 1 })[0]).toMatchObject({ op: 'x', lane: null, triggerId: null, detail: null, outcome: 'ok' });
    });

    it('returns the newest first, honours limit and the lane filter', () => {
      for (let i = 0; i < 5; i++) store.audit.record({ op: `op-${i}`, lane: i % 2 === 0 ? 'even' : 'odd' });
      expect(store.audit.recent({ limit: 3 }).map((e) => e.op)).toEqual(['op-4', 'op-3', 'op-2']);
      expect(store.audit.recent({ limit: 10, lane: 'even' }).map((e) => e.op)).toEqual(['op-4', 'op-2', 'op-0']);
      expect(store.audit.recent({ limit: 10, lane: 'none' })).toEqual([]);
      expect(store.audit.recent({ limit: 0 })).toEqual([]);
      const ids = store.audit.recent({ limit: 10 }).map((e) => e.id);
      expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    });

    it('truncates detail to 500 characters', () => {
      const exact = 'x'.repeat(500);
      const long = `${'y'.repeat(499)}zzzz${'w'.repeat(2000)}`;
      store.audit.record({ op: 'exact', detail: exact });
      store.audit.record({ op: 'long', detail: long });
      const [longEntry, exactEntry] = store.audit.recent({ limit: 2 });
      expect(exactEntry?.detail).toBe(exact);
      expect(longEntry?.detail).toHaveLength(500);
      expect(longEntry?.detail?.startsWith('y'.repeat(499))).toBe(true);
      expect(longEntry?.detail?.endsWith('…')).toBe(true);
    });
  });

  describe('triggers', () => {
    it('inserts with created_at from the clock and no last fire, and round-trips the specs', () => {
      const input = triggerInput('trg-1', {
        when: { kind: 'cron', expr: '0 9 * * 1-5', timezone: 'Europe/Berlin' },
        action: { kind: 'steer', text: 'status?', target: '@other' },
        guard: { idleOnly: false, minIntervalSeconds: 300, dedupe: true, once: true },
        enabled: false,
      });
      const created = store.triggers.insert(input);
      expect(created).toEqual({ ...input, createdAt: '2030-01-02T03:04:05.678Z', lastFiredAt: null, lastError: null, failureCount: 0 });
      expect(store.triggers.find('trg-1')).toEqual(created);
      expect(store.triggers.find('nope')).toBeUndefined();
    });

    it('keeps absent optional spec fields absent', () => {
      store.triggers.insert(triggerInput('plain', { when: { kind: 'cron', expr: '* * * * *' } }));
      const found = store.triggers.find('plain');
      expect(found?.action).toEqual({ kind: 'send', text: 'continue' });
      expect(Object.hasOwn(found?.action ?? {}, 'target')).toBe(false);
      expect(Object.hasOwn(found?.when ?? {}, 'timezone')).toBe(false);
    });

    it('refuses a duplicate id with a conflict', () => {
      store.triggers.insert(triggerInput('same'));
      expect(() => store.triggers.insert(triggerInput('same'))).toThrow(expect.objectContaining({ code: 'conflict' }) as Error);
    });

    it('lists by created_at, then id', () => {
      clock.set('2030-01-02T10:00:00.000Z');
      store.triggers.insert(triggerInput('late'));
      clock.set('2030-01-02T09:00:00.000Z');
      store.triggers.insert(triggerInput('b'));
      store.triggers.insert(triggerInput('a'));
      expect(store.triggers.list().map((t) => t.id)).toEqual(['a', 'b', 'late']);
    });

    it('enables and disables, returning the trigger, or undefined when unknown', () => {
      store.triggers.insert(triggerInput('t'));
      expect(store.triggers.setEnabled('t', false)?.enabled).toBe(false);
      expect(store.triggers.find('t')?.enabled).toBe(false);
      expect(store.triggers.setEnabled('t', true)?.enabled).toBe(true);
      expect(store.triggers.setEnabled('unknown', true)).toBeUndefined();
    });

    it('marks a fire with the given timestamp verbatim', () => {
      store.triggers.insert(triggerInput('t'));
      store.triggers.markFired('t', '2031-05-06T07:08:09.010Z');
      expect(store.triggers.find('t')?.lastFiredAt).toBe('2031-05-06T07:08:09.010Z');
      store.triggers.markFired('unknown', '2031-05-06T07:08:09.010Z');
    });

    it('counts failed firings in a row with the last error, and clears both on a success', () => {
      store.triggers.insert(triggerInput('t'));
      store.triggers.markFired('t', '2031-05-06T07:08:09.010Z', 'not_found: gone');
      store.triggers.markFired('t', '2031-05-06T07:08:10.010Z', 'validation: archived');
      expect(store.triggers.find('t')).toMatchObject({ failureCount: 2, lastError: 'validation: archived', lastFiredAt: '2031-05-06T07:08:10.010Z' });
      store.triggers.markFired('t', '2031-05-06T07:08:11.010Z');
      expect(store.triggers.find('t')).toMatchObject({ failureCount: 0, lastError: null });
    });

    it('removes once', () => {
      store.triggers.insert(triggerInput('t'));
      expect(store.triggers.remove('t')).toBe(true);
      expect(store.triggers.remove('t')).toBe(false);
      expect(store.triggers.find('t')).toBeUndefined();
      expect(store.triggers.list()).toEqual([]);
    });
  });

  describe('deliveries', () => {
    it('inserts a receipt with clock timestamps and no turn, error or note', () => {
      const created = store.deliveries.insert(deliveryInput('lane-a', { idempotencyKey: 'key-1' }));
      expect(created).toEqual({
        id: expect.any(Number) as number,
        lane: 'lane-a',
        mode: 'queue',
        source: 'op',
        text: 'hello',
        idempotencyKey: 'key-1',
        clientMessageId: 'client-lane-a',
        state: 'queued',
        turnId: null,
        error: null,
        note: null,
        held: null,
        createdAt: '2030-01-02T03:04:05.678Z',
        updatedAt: '2030-01-02T03:04:05.678Z',
      });
      expect(store.deliveries.find(created.id)).toEqual(created);
      expect(store.deliveries.find(created.id + 1000)).toBeUndefined();
    });

    it('stores a missing idempotency key as null and round-trips mode, source and state', () => {
      const created = store.deliveries.insert(deliveryInput('b', { mode: 'interject', source: 'trigger:trg-1', state: 'submitting' }));
      expect(created).toMatchObject({ idempotencyKey: null, mode: 'interject', source: 'trigger:trg-1', state: 'submitting' });
    });

    it('finds by idempotency key, and refuses a reused key with a conflict naming the receipt', () => {
      const first = store.deliveries.insert(deliveryInput('a', { idempotencyKey: 'k' }));
      store.deliveries.insert(deliveryInput('a'));
      store.deliveries.insert(deliveryInput('a'));
      expect(store.deliveries.findByKey('k')?.id).toBe(first.id);
      expect(store.deliveries.findByKey('K')).toBeUndefined();
      let thrown: unknown;
      try {
        store.deliveries.insert(deliveryInput('other', { idempotencyKey: 'k' }));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DispatchError);
      expect((thrown as DispatchError).code).toBe('conflict');
      expect((thrown as DispatchError).data).toEqual({ receipt: first.id });
      expect(store.deliveries.list({})).toHaveLength(3);
    });

    it('gives increasing ids and the lowest queued id per lane as next', () => {
      const a1 = store.deliveries.insert(deliveryInput('a'));
      const b1 = store.deliveries.insert(deliveryInput('b'));
      const a2 = store.deliveries.insert(deliveryInput('a'));
      expect(a1.id).toBeLessThan(b1.id);
      expect(b1.id).toBeLessThan(a2.id);
      expect(store.deliveries.nextQueued('a')?.id).toBe(a1.id);
      expect(store.deliveries.transition(a1.id, ['queued'], 'submitting')).toBe(true);
      expect(store.deliveries.nextQueued('a')?.id).toBe(a2.id);
      expect(store.deliveries.transition(a2.id, ['queued'], 'cancelled')).toBe(true);
      expect(store.deliveries.nextQueued('a')).toBeUndefined();
      expect(store.deliveries.nextQueued('b')?.id).toBe(b1.id);
      expect(store.deliveries.nextQueued('nobody')).toBeUndefined();
    });

    it('lets exactly one of two reservations (queued → submitting) win', () => {
      const { id } = store.deliveries.insert(deliveryInput('a'));
      clock.advance(500);
      expect([store.deliveries.transition(id, ['queued'], 'submitting'), store.deliveries.transition(id, ['queued'], 'submitting')]).toEqual([true, false]);
      expect(store.deliveries.find(id)).toMatchObject({ state: 'submitting', createdAt: '2030-01-02T03:04:05.678Z', updatedAt: '2030-01-02T03:04:06.178Z' });
      expect(store.deliveries.transition(id + 1000, ['queued'], 'submitting')).toBe(false);
    });

    it('transitions only from the listed states, leaving the row alone otherwise', () => {
      const { id } = store.deliveries.insert(deliveryInput('a', { state: 'submitting' }));
      clock.advance(1000);
      expect(store.deliveries.transition(id, ['queued', 'ambiguous'], 'cancelled', { note: 'nope' })).toBe(false);
      expect(store.deliveries.transition(id, [], 'cancelled')).toBe(false);
      expect(store.deliveries.find(id)).toMatchObject({ state: 'submitting', note: null, updatedAt: '2030-01-02T03:04:05.678Z' });
      expect(store.deliveries.transition(id, ['queued', 'submitting'], 'accepted')).toBe(true);
      expect(store.deliveries.find(id)).toMatchObject({ state: 'accepted', updatedAt: '2030-01-02T03:04:06.678Z' });
    });

    it('applies only the patch keys given: null clears, absent and undefined leave alone', () => {
      const { id } = store.deliveries.insert(deliveryInput('a', { state: 'submitting' }));
      store.deliveries.transition(id, ['submitting'], 'accepted', { turnId: 'turn-1' });
      expect(store.deliveries.find(id)).toMatchObject({ state: 'accepted', turnId: 'turn-1', error: null, note: null });
      store.deliveries.transition(id, ['accepted'], 'failed', { error: 'turn interrupted', turnId: undefined });
      expect(store.deliveries.find(id)).toMatchObject({ state: 'failed', turnId: 'turn-1', error: 'turn interrupted', note: null });
      store.deliveries.transition(id, ['failed'], 'ambiguous', { note: 'checking' });
      expect(store.deliveries.find(id)).toMatchObject({ state: 'ambiguous', turnId: 'turn-1', error: 'turn interrupted', note: 'checking' });
      store.deliveries.transition(id, ['ambiguous'], 'ambiguous', { error: 'still unknown' });
      expect(store.deliveries.find(id)).toMatchObject({ state: 'ambiguous', turnId: 'turn-1', error: 'still unknown', note: 'checking' });
      store.deliveries.transition(id, ['ambiguous'], 'queued', { turnId: null, error: null, note: null });
      expect(store.deliveries.find(id)).toMatchObject({ state: 'queued', turnId: null, error: null, note: null });
    });

    it('finds the receipts of a turn on a lane, oldest first', () => {
      const first = store.deliveries.insert(deliveryInput('a', { state: 'submitting' }));
      const second = store.deliveries.insert(deliveryInput('a', { mode: 'steer', state: 'submitting' }));
      const elsewhere = store.deliveries.insert(deliveryInput('b', { state: 'submitting' }));
      store.deliveries.transition(second.id, ['submitting'], 'accepted', { turnId: 'turn-1' });
      store.deliveries.transition(first.id, ['submitting'], 'accepted', { turnId: 'turn-1' });
      store.deliveries.transition(elsewhere.id, ['submitting'], 'accepted', { turnId: 'turn-1' });
      expect(store.deliveries.findByTurn('a', 'turn-1').map((d) => d.id)).toEqual([first.id, second.id]);
      expect(store.deliveries.findByTurn('a', 'turn-2')).toEqual([]);
    });

    it('reports the oldest submitting or ambiguous delivery as blocking the lane', () => {
      const queued = store.deliveries.insert(deliveryInput('a'));
      expect(store.deliveries.blocking('a')).toBeUndefined();
      const inFlight = store.deliveries.insert(deliveryInput('a', { state: 'submitting' }));
      const lost = store.deliveries.insert(deliveryInput('a', { state: 'submitting' }));
      store.deliveries.transition(lost.id, ['submitting'], 'ambiguous');
      expect(store.deliveries.blocking('a')?.id).toBe(inFlight.id);
      store.deliveries.transition(inFlight.id, ['submitting'], 'accepted', { turnId: 't' });
      expect(store.deliveries.blocking('a')?.id).toBe(lost.id);
      store.deliveries.transition(lost.id, ['ambiguous'], 'cancelled');
      expect(store.deliveries.blocking('a')).toBeUndefined();
      expect(store.deliveries.blocking('b')).toBeUndefined();
      expect(store.deliveries.nextQueued('a')?.id).toBe(queued.id);
    });

    it('lists by lane and states, oldest first, with a limit keeping the newest N', () => {
      const a1 = store.deliveries.insert(deliveryInput('a'));
      const b1 = store.deliveries.insert(deliveryInput('b'));
      const a2 = store.deliveries.insert(deliveryInput('a', { state: 'submitting' }));
      const a3 = store.deliveries.insert(deliveryInput('a'));
      store.deliveries.transition(a3.id, ['queued'], 'cancelled');
      const ids = (list: { id: number }[]): number[] => list.map((d) => d.id);

      expect(ids(store.deliveries.list({}))).toEqual([a1.id, b1.id, a2.id, a3.id]);
      expect(ids(store.deliveries.list({ lane: 'a' }))).toEqual([a1.id, a2.id, a3.id]);
      expect(ids(store.deliveries.list({ states: ['queued'] }))).toEqual([a1.id, b1.id]);
      expect(ids(store.deliveries.list({ lane: 'a', states: ['queued', 'submitting', 'ambiguous'] }))).toEqual([a1.id, a2.id]);
      expect(ids(store.deliveries.list({ limit: 2 }))).toEqual([a2.id, a3.id]);
      expect(ids(store.deliveries.list({ lane: 'a', limit: 1 }))).toEqual([a3.id]);
      expect(ids(store.deliveries.list({ states: ['queued', 'cancelled'], limit: 2 }))).toEqual([b1.id, a3.id]);
      expect(store.deliveries.list({ limit: 0 })).toEqual([]);
      expect(store.deliveries.list({ states: [] })).toEqual([]);
      expect(store.deliveries.list({ lane: 'a', states: ['completed'] })).toEqual([]);
      expect(store.deliveries.list({ lane: 'nobody' })).toEqual([]);
    });

    it('counts by state, per lane or overall, leaving out empty states', () => {
      expect(store.deliveries.countByState()).toEqual({});
      store.deliveries.insert(deliveryInput('a'));
      store.deliveries.insert(deliveryInput('a'));
      store.deliveries.insert(deliveryInput('a', { state: 'accepted' }));
      store.deliveries.insert(deliveryInput('b'));
      expect(store.deliveries.countByState('a')).toEqual({ queued: 2, accepted: 1 });
      expect(store.deliveries.countByState('b')).toEqual({ queued: 1 });
      expect(store.deliveries.countByState()).toEqual({ queued: 3, accepted: 1 });
      expect(store.deliveries.countByState('nobody')).toEqual({});
    });
  });

  describe('facts', () => {
    const DAY_MS = 86_400_000;
    const fact = (lane: string, turnId = 'T'): Fact => ({ type: 'turnStarted', laneId: lane, turnId });
    /** Appends facts on lane `a` at the clock time, the clock moving one second after each. */
    const appendSome = (count: number, lane = 'a'): number[] =>
      Array.from({ length: count }, (_, i) => {
        const seq = store.facts.append(fact(lane, `T${i}`), clock.iso());
        clock.advance(1000);
        return seq;
      });
    const seqs = () => store.facts.since(0, { limit: 10_000 }).map((f) => f.seq);
    const KEEP_ALL: FactRetention = { keep: 1_000_000, maxAgeDays: 36_500 };

    it('appends with increasing sequence numbers and reads back after a cursor, oldest first, as appended', () => {
      const first = store.facts.append(fact('a', 'T1'), '2030-01-01T00:00:00.000Z');
      const second = store.facts.append({ type: 'laneRenamed', laneId: 'b', from: '@b', handle: '@bee' }, '2030-01-01T00:00:01.000Z');
      expect([first, second]).toEqual([1, 2]);
      expect(store.facts.since(0, { limit: 10 })).toEqual([
        { type: 'turnStarted', laneId: 'a', turnId: 'T1', seq: 1, at: '2030-01-01T00:00:00.000Z' },
        { type: 'laneRenamed', laneId: 'b', from: '@b', handle: '@bee', seq: 2, at: '2030-01-01T00:00:01.000Z' },
      ]);
      expect(store.facts.since(1, { limit: 10 }).map((f) => f.seq)).toEqual([2]);
      expect(store.facts.since(2, { limit: 10 })).toEqual([]);
    });

    it('filters by lanes and honours the limit, keeping the oldest after the cursor', () => {
      for (const lane of ['a', 'b', 'c', 'a', 'b', 'c', 'a']) store.facts.append(fact(lane), clock.iso());
      expect(store.facts.since(0, { lanes: ['a'], limit: 10 }).map((f) => f.seq)).toEqual([1, 4, 7]);
      expect(store.facts.since(0, { lanes: ['c', 'a'], limit: 10 }).map((f) => f.seq)).toEqual([1, 3, 4, 6, 7]);
      expect(store.facts.since(3, { lanes: ['a', 'c'], limit: 2 }).map((f) => f.seq)).toEqual([4, 6]);
      expect(store.facts.since(0, { limit: 3 }).map((f) => f.seq)).toEqual([1, 2, 3]);
      expect(store.facts.since(0, { lanes: [], limit: 10 })).toEqual([]);
      expect(store.facts.since(0, { lanes: ['nobody'], limit: 10 })).toEqual([]);
    });

    it('reports bounds: none before the first fact; the latest survives pruning every row (numbers are never reused)', () => {
      expect(store.facts.bounds()).toEqual({ oldest: null, latest: 0 });
      appendSome(3);
      expect(store.facts.bounds()).toEqual({ oldest: 1, latest: 3 });
      clock.advance(2 * DAY_MS);
      expect(store.facts.prune({ keep: 1_000_000, maxAgeDays: 1 }, clock.now())).toBe(3);
      expect(store.facts.bounds()).toEqual({ oldest: null, latest: 3 });
      expect(store.facts.append(fact('a'), clock.iso())).toBe(4);
      expect(store.facts.bounds()).toEqual({ oldest: 4, latest: 4 });
    });

    it('prunes by count, keeping the newest `keep`', () => {
      appendSome(10);
      expect(store.facts.prune({ keep: 10, maxAgeDays: 36_500 }, clock.now())).toBe(0);
      expect(store.facts.prune({ keep: 4, maxAgeDays: 36_500 }, clock.now())).toBe(6);
      expect(seqs()).toEqual([7, 8, 9, 10]);
      expect(store.facts.prune({ keep: 4, maxAgeDays: 36_500 }, clock.now())).toBe(0);
    });

    it('prunes by age, keeping facts up to max_age_days old', () => {
      store.facts.append(fact('a', 'old'), clock.iso());
      clock.advance(DAY_MS);
      store.facts.append(fact('a', 'day'), clock.iso());
      clock.advance(DAY_MS / 2);
      store.facts.append(fact('a', 'new'), clock.iso());
      // now − 1 day is exactly the second fact's time: it stays, the older one goes.
      clock.advance(DAY_MS / 2);
      expect(store.facts.prune({ keep: 1_000_000, maxAgeDays: 1 }, clock.now())).toBe(1);
      expect(store.facts.since(0, { limit: 10 }).map((f) => f.type === 'turnStarted' && f.turnId)).toEqual(['day', 'new']);
      expect(store.facts.prune(KEEP_ALL, clock.now())).toBe(0);
    });

    it.each(['queued', 'submitting', 'accepted', 'ambiguous'] as const)('never prunes facts appended since an unsettled (%s) receipt was made', (state) => {
      store.lanes.insert(laneRecord('a'));
      appendSome(3);
      const receipt = store.deliveries.insert(deliveryInput('a', { state: state === 'queued' ? 'queued' : 'submitting' }));
      if (state === 'accepted' || state === 'ambiguous') expect(store.deliveries.transition(receipt.id, ['submitting'], state)).toBe(true);
      const since = appendSome(5);
      clock.advance(365 * DAY_MS);
      // Both limits would drop everything; the receipt's facts stay, however many or old.
      expect(store.facts.prune({ keep: 1, maxAgeDays: 1 }, clock.now())).toBe(3);
      expect(seqs()).toEqual(since);
      // Once it settles, they may go: by count all but the newest, by age that one too.
      expect(store.deliveries.transition(receipt.id, [state], 'completed')).toBe(true);
      expect(store.facts.prune({ keep: 1, maxAgeDays: 36_500 }, clock.now())).toBe(4);
      expect(seqs()).toEqual([since.at(-1)]);
      expect(store.facts.prune({ keep: 1, maxAgeDays: 1 }, clock.now())).toBe(1);
    });

    it('settled receipts hold nothing back; the oldest unsettled one decides', () => {
      store.lanes.insert(laneRecord('a'));
      for (const to of ['completed', 'failed', 'cancelled'] as const) {
        const settled = store.deliveries.insert(deliveryInput('a', { clientMessageId: `c-${to}` }));
        expect(store.deliveries.transition(settled.id, ['queued'], to === 'completed' ? 'submitting' : to)).toBe(true);
        if (to === 'completed') expect(store.deliveries.transition(settled.id, ['submitting'], 'completed')).toBe(true);
      }
      appendSome(2);
      store.deliveries.insert(deliveryInput('a', { clientMessageId: 'older' }));
      const fromOlder = appendSome(2);
      store.deliveries.insert(deliveryInput('a', { clientMessageId: 'newer' }));
      const fromNewer = appendSome(2);
      clock.advance(DAY_MS * 10);
      expect(store.facts.prune({ keep: 1, maxAgeDays: 1 }, clock.now())).toBe(2);
      expect(seqs()).toEqual([...fromOlder, ...fromNewer]);
    });

    it('never prunes facts appended since a pending server request was made, until it is answered', () => {
      appendSome(2);
      const request = store.requests.insert({ generation: 1, rpcId: '7', lane: 'a', method: 'item/commandExecution/requestApproval', kind: 'command', summary: 'touch x', prompt: null });
      const since = appendSome(3);
      clock.advance(DAY_MS * 10);
      expect(store.facts.prune({ keep: 1, maxAgeDays: 1 }, clock.now())).toBe(2);
      expect(seqs()).toEqual(since);
      expect(store.requests.settle(request.id, 'answered', { decision: 'accept', decidedBy: 'test' })).toBe(true);
      expect(store.facts.prune({ keep: 1, maxAgeDays: 36_500 }, clock.now())).toBe(2);
      expect(seqs()).toEqual([since.at(-1)]);
    });
  });

  describe('transactions', () => {
    it('returns what the function returns and commits', () => {
      const lane = store.transaction(() => {
        const created = store.lanes.insert(laneRecord('t'));
        store.audit.record({ op: 'open', lane: created.id });
        return created;
      });
      expect(lane.id).toBe('t');
      expect(store.lanes.find('t')).toBeDefined();
      expect(store.audit.recent({ limit: 10 })).toHaveLength(1);
    });

    it('rolls everything back when the function throws', () => {
      expect(() =>
        store.transaction(() => {
          store.lanes.insert(laneRecord('t'));
          store.audit.record({ op: 'open', lane: 't' });
          store.deliveries.insert(deliveryInput('t'));
          store.triggers.insert(triggerInput('trg'));
          throw new Error('abort');
        }),
      ).toThrow('abort');
      expect(store.lanes.list({ includeArchived: true })).toEqual([]);
      expect(store.audit.recent({ limit: 10 })).toEqual([]);
      expect(store.deliveries.list({})).toEqual([]);
      expect(store.triggers.list()).toEqual([]);
    });

    it('rolls back earlier writes when a later repository call fails', () => {
      store.lanes.insert(laneRecord('taken'));
      expect(() =>
        store.transaction(() => {
          store.audit.record({ op: 'new' });
          store.lanes.insert(laneRecord('second', { handle: '@taken' }));
        }),
      ).toThrow(DispatchError);
      expect(store.audit.recent({ limit: 10 })).toEqual([]);
    });

    it('joins nested calls: an outer throw undoes the inner work too', () => {
      expect(() =>
        store.transaction(() => {
          store.lanes.insert(laneRecord('outer'));
          store.transaction(() => store.lanes.insert(laneRecord('inner')));
          throw new Error('outer fails');
        }),
      ).toThrow('outer fails');
      expect(store.lanes.list({ includeArchived: true })).toEqual([]);
    });

    it('undoes only the inner work when an inner throw is caught', () => {
      store.transaction(() => {
        store.lanes.insert(laneRecord('outer'));
        try {
          store.transaction(() => {
            store.lanes.insert(laneRecord('inner'));
            throw new Error('inner fails');
          });
        } catch {
          // The outer transaction carries on without the inner writes.
        }
        store.lanes.insert(laneRecord('after'));
      });
      expect(store.lanes.list().map((l) => l.id)).toEqual(['outer', 'after']);
    });
  });

  it('reports a schema version', () => {
    expect(store.schemaVersion()).toBeGreaterThan(0);
  });
}
