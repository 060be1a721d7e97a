import { DispatchError } from '../shared/errors.js';
import type { DeliveryMode, Lane, TurnSettings } from './model.js';
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
  throw new DispatchError('not_found', `no lane '${selector}'`);
}

function ambiguous(selector: string, candidates: Lane[]): DispatchError {
  return new DispatchError('ambiguous', `'${selector}' matches ${candidates.length} lanes: ${candidates.map((l) => l.handle).join(', ')}; use the full handle or the id`, {
    data: { candidates: candidates.map((l) => ({ handle: l.handle, id: l.id, cwd: l.cwd })) },
  });
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
  if (!lane.activeTurnId || (lane.status !== 'busy' && lane.status !== 'waiting_approval')) {
    throw new DispatchError('validation', `lane ${lane.handle} has no running turn to ${action}`);
  }
  return lane.activeTurnId;
}

export function laneRefOf(lane: Lane) {
  return { id: lane.id, handle: lane.handle, source: lane.source, status: lane.status, cwd: lane.cwd };
}

export function settingsViewOf(settings: TurnSettings) {
  return {
    sandbox: settings.sandbox,
    approval_policy: settings.approvalPolicy,
    ...(settings.approvalsReviewer ? { approvals_reviewer: settings.approvalsReviewer } : {}),
    ...(settings.model ? { model: settings.model } : {}),
    ...(settings.modelProvider ? { model_provider: settings.modelProvider } : {}),
    ...(settings.effort ? { effort: settings.effort } : {}),
    ...(settings.summary ? { summary: settings.summary } : {}),
    ...(settings.personality ? { personality: settings.personality } : {}),
    ...(settings.serviceTier ? { service_tier: settings.serviceTier } : {}),
  };
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
export function settingsFromInput(input: {
  sandbox?: TurnSettings['sandbox'] | undefined;
  approval_policy?: TurnSettings['approvalPolicy'] | undefined;
  approvals_reviewer?: TurnSettings['approvalsReviewer'] | undefined;
  model?: string | undefined;
  model_provider?: string | undefined;
  effort?: string | undefined;
  summary?: TurnSettings['summary'] | undefined;
  personality?: TurnSettings['personality'] | undefined;
  service_tier?: string | undefined;
}): Partial<TurnSettings> {
  const out: Partial<TurnSettings> = {};
  if (input.sandbox) out.sandbox = input.sandbox;
  if (input.approval_policy) out.approvalPolicy = input.approval_policy;
  if (input.approvals_reviewer) out.approvalsReviewer = input.approvals_reviewer;
  if (input.model) out.model = input.model;
  if (input.model_provider) out.modelProvider = input.model_provider;
  if (input.effort) out.effort = input.effort;
  if (input.summary) out.summary = input.summary;
  if (input.personality) out.personality = input.personality;
  if (input.service_tier) out.serviceTier = input.service_tier;
  return out;
}
