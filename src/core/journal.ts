/**
 * The journal appends facts to the log and folds each into its lane, in one transaction: the only
 * path by which lane state changes. Committed facts go to the live feed in sequence order.
 */
import type { Fact, FeedEntry, StoredFact } from './facts.js';
import { storedFormOf } from './facts.js';
import type { Attention, Lane } from './model.js';
import { changedFields, reduceLane } from './lane/state.js';
import type { Clock, FactRetention, Store } from './ports.js';
import { turnUsageAfter } from './usage.js';
import type { Logger } from './context.js';

/** Where a recorded fact went in the log: its sequence number and time. */
export type Recorded = Pick<StoredFact, 'seq' | 'at'>;

export interface Journal {
  /** Appends the fact and applies it to its lane, joining the caller's transaction if one is open. */
  record(fact: Fact): Recorded;
}

export const DEFAULT_FACT_RETENTION: FactRetention = { keep: 100_000, maxAgeDays: 30 };

/** How many appends pass between two retention checks (pruning is one indexed DELETE). */
const PRUNE_EVERY = 1000;

export interface JournalDeps {
  store: Store;
  clock: Clock;
  /** Receives every committed fact, in sequence order. */
  publish(entry: FeedEntry): void;
  retention?: FactRetention;
  log?: Logger;
  /** Hears, after the commit, each fold that changed a lane's attention (`lane` is the lane after it). */
  attentionChanged?: (change: { from: Attention; lane: Lane; fact: Fact }) => void;
}

export function createJournal(deps: JournalDeps): Journal & { prune(): number } {
  const { store, clock } = deps;
  const retention = deps.retention ?? DEFAULT_FACT_RETENTION;
  let sincePrune = 0;
  // Facts come in bursts within one millisecond: its text form is made once.
  let stampedMs = Number.NaN;
  let stamp = '';
  const timeNow = (): string => {
    const now = clock.now();
    if (now.getTime() !== stampedMs) {
      stampedMs = now.getTime();
      stamp = now.toISOString();
    }
    return stamp;
  };
  const prune = (): number => {
    sincePrune = 0;
    const removed = store.transaction(() => store.facts.prune(retention, clock.now()));
    if (removed > 0) deps.log?.info('facts.pruned', { removed });
    return removed;
  };
  return {
    prune,
    record(fact) {
      // No savepoint of its own (one per fact costs more than the fact): a failed write here rolls
      // back the enclosing transaction instead.
      return store.join(() => {
        const at = timeNow();
        const seq = store.facts.append(storedFormOf(fact), at);
        const before = store.lanes.find(fact.laneId);
        const after = reduceLane(before, fact, at);
        if (after && !before) {
          store.lanes.insert({ id: after.id, handle: after.handle, source: after.source, cwd: after.cwd, status: after.status, attention: after.attention, settings: after.settings, ephemeral: after.ephemeral, worktree: after.worktree });
        } else if (before && after && after !== before) {
          const patch = changedFields(before, after);
          if (patch) store.lanes.update(before.id, patch);
        }
        // Usage outlives the pruned log: each report updates its turn's row in the same transaction.
        if (fact.type === 'tokenUsage' && fact.total && fact.last) {
          const report = { lane: fact.laneId, turnId: fact.turnId, total: fact.total, last: fact.last, contextWindow: fact.contextWindow, model: after?.settings.model ?? null, at, seq };
          const current = store.usage.find(fact.laneId, fact.turnId);
          store.usage.put(turnUsageAfter(report, current, current ? undefined : store.usage.latest(fact.laneId)));
        }
        const change = deps.attentionChanged && before && after && after.attention !== before.attention ? { from: before.attention, lane: after, fact } : undefined;
        store.afterCommit(() => {
          deps.publish({ seq, at, event: fact });
          if (change) deps.attentionChanged?.(change);
          if (++sincePrune >= PRUNE_EVERY) prune();
        });
        return { seq, at };
      });
    },
  };
}
