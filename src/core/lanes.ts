import { isRunningLaneState } from '../contracts/schemas.js';
import { DispatchError } from '../shared/errors.js';
import type { DeliveryMode, Lane, TurnSettings } from './model.js';
import type { OpContext } from './context.js';
import type { Fact } from './facts.js';
import { parseLaneRef } from './fleet.js';
import type { Store } from './ports.js';

/** `alpha` and `@alpha` both name the handle `@alpha`. */
export function toHandle(name: string): string {
  const bare = name.trim().replace(/^@+/, '');
  if (!bare) throw new DispatchError('validation', 'a lane name must not be empty');
  return `@${bare}`;
}

const REPO_PREFIX = /^@\[[^\]]*\] /;

/**
 * Finds a lane by exact id, then handle (the @ optional), then its name without the `new`
 * prefix, then a unique id prefix of at least four characters. Ambiguity (`fix-tests` in two repos) is an `ambiguous` error
 * listing the candidates, never a guess.
 */
export function resolveLane(store: Store, selector: string): Lane {
  const exact = store.lanes.find(selector);
  if (exact) return exact;
  const byHandle = store.lanes.findByHandle(selector.startsWith('@') ? selector : `@${selector}`);
  if (byHandle.length === 1 && byHandle[0]) return byHandle[0];
  // `new` decorates names with a prefix ("@[repo] fix-tests"); the bare name works when unique.
  const bare = selector.replace(/^@/, '');
  const all = store.lanes.list({ includeArchived: true });
  const byBareName = all.filter((lane) => REPO_PREFIX.test(lane.handle) && lane.handle.replace(REPO_PREFIX, '') === bare);
  if (byBareName.length === 1 && byBareName[0]) return byBareName[0];
  if (byBareName.length > 1) throw ambiguous(selector, byBareName);
  if (selector.length >= 4 && !selector.startsWith('@')) {
    const matches = all.filter((lane) => lane.id.startsWith(selector));
    if (matches.length === 1 && matches[0]) return matches[0];
    if (matches.length > 1) throw ambiguous(selector, matches);
  }
  const remote = parseLaneRef(selector);
  if (remote) {
    throw new DispatchError('not_found', `no lane '${selector}' on this station; if it names lane ${remote.lane} of station ${remote.station}, run this there (send, lane get, lane tail, trigger add, subscribe and request reach other stations' lanes from here)`, {
      data: { station: remote.station },
    });
  }
  throw new DispatchError('not_found', `no lane '${selector}'`);
}

function ambiguous(selector: string, candidates: Lane[]): DispatchError {
  return new DispatchError('ambiguous', `'${selector}' matches ${candidates.length} lanes: ${candidates.map((l) => l.handle).join(', ')}; use the full handle or the id`, {
    data: { candidates: candidates.map((l) => ({ handle: l.handle, id: l.id, cwd: l.cwd })) },
  });
}

/** The lane with this id, which the caller knows exists (it just wrote it). */
export function requireLane(store: Store, id: string): Lane {
  const lane = store.lanes.find(id);
  if (!lane) throw new DispatchError('not_found', `no lane '${id}'`);
  return lane;
}

/** Registers a lane: a `laneCreated` fact, which the journal folds into a new lane row. */
export function createLane(ctx: Pick<OpContext, 'store' | 'journal'>, lane: Omit<Extract<Fact, { type: 'laneCreated' }>, 'type'>): Lane {
  if (ctx.store.lanes.find(lane.laneId)) throw new DispatchError('conflict', `lane '${lane.laneId}' is already registered`);
  ctx.journal.record({ type: 'laneCreated', ...lane });
  return requireLane(ctx.store, lane.laneId);
}

/** Attached lanes are observe-only: codex may have another writer (the desktop app) on them. */
export function requireOwned(lane: Lane, action: string): void {
  if (lane.source !== 'own') {
    throw new DispatchError('authority', `lane ${lane.handle} is attached (observe-only); cannot ${action}`, { data: { lane: lane.id } });
  }
}

export function requireNotArchived(lane: Lane, action: string): void {
  if (lane.status === 'archived') throw new DispatchError('validation', `lane ${lane.handle} is archived; restore it to ${action}`);
}

/**
 * A lane that is running a turn (or waiting on an approval inside one) cannot start another.
 * `modes` are the send modes that would work instead; surfaces phrase them in their own terms.
 */
export function requireIdle(lane: Lane, action: string, modes?: readonly DeliveryMode[]): void {
  if (lane.status === 'waiting_approval') {
    throw new DispatchError('approval_required', `lane ${lane.handle} is waiting for an approval decision; cannot ${action}`, {
      data: { lane: lane.id, turn_id: lane.activeTurnId },
    });
  }
  if (lane.status === 'busy') {
    throw new DispatchError('lane_busy', `lane ${lane.handle} is running turn ${lane.activeTurnId ?? '?'}; cannot ${action} until it ends or is stopped`, {
      data: { lane: lane.id, turn_id: lane.activeTurnId, ...(modes ? { modes } : {}) },
    });
  }
}

export function requireActiveTurn(lane: Lane, action: string): string {
  if (!lane.activeTurnId || !isRunningLaneState(lane.status)) {
    throw new DispatchError('validation', `lane ${lane.handle} has no running turn to ${action}`);
  }
  return lane.activeTurnId;
}

export function laneRefOf(lane: Lane) {
  return { id: lane.id, handle: lane.handle, source: lane.source, status: lane.status, attention: lane.attention, cwd: lane.cwd };
}

/** Every TurnSettings field with its snake_case name on the surfaces: the one encoding both directions use. */
const SETTING_NAMES = {
  sandbox: 'sandbox',
  approvalPolicy: 'approval_policy',
  approvalsReviewer: 'approvals_reviewer',
  model: 'model',
  modelProvider: 'model_provider',
  effort: 'effort',
  summary: 'summary',
  personality: 'personality',
  serviceTier: 'service_tier',
} as const satisfies Partial<Record<keyof TurnSettings, string>>;
type SettingKey = keyof typeof SETTING_NAMES;
const SETTING_KEYS = Object.keys(SETTING_NAMES) as SettingKey[];
type SnakeSettings = { [K in SettingKey as (typeof SETTING_NAMES)[K]]?: TurnSettings[K] | undefined };

/** TurnSettings → the snake_case view outputs carry (unset fields left out). */
export function settingsViewOf(settings: TurnSettings): SnakeSettings & Pick<Required<SnakeSettings>, 'sandbox' | 'approval_policy'> {
  const view: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) if (settings[key]) view[SETTING_NAMES[key]] = settings[key];
  return view as SnakeSettings & Pick<Required<SnakeSettings>, 'sandbox' | 'approval_policy'>;
}

export function laneDetailOf(lane: Lane) {
  return {
    ...laneRefOf(lane),
    active_turn_id: lane.activeTurnId,
    latest_turn: lane.latestTurn,
    last_agent_message: lane.lastAgentMessage,
    settings: settingsViewOf(lane.settings),
    ephemeral: lane.ephemeral,
    writable: lane.source === 'own',
    worktree: lane.worktree,
    created_at: lane.createdAt,
    updated_at: lane.updatedAt,
    last_event_at: lane.lastEventAt,
  };
}

/** Audit details keep the start of a message, not all of it. */
export function clip(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Snake-case settings from an op input → TurnSettings (only the keys given). */
export function settingsFromInput(input: SnakeSettings): Partial<TurnSettings> {
  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = input[SETTING_NAMES[key]];
    if (value) out[key] = value;
  }
  return out;
}
