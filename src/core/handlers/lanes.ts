import path from 'node:path';
import { DispatchError } from '../../shared/errors.js';
import type { OpContext } from '../context.js';
import { deliver } from '../deliveries.js';
import { subscribe, subscriberOf } from './inbox.js';
import { laneDetailOf, laneRefOf, requireIdle, requireNotArchived, requireOwned, resolveLane, settingsFromInput, toHandle } from '../lanes.js';
import type { Lane, TurnSettings } from '../model.js';
import { resolveNewLane } from '../newConfig.js';
import type { Handler } from './types.js';

const DEFAULT_SETTINGS: TurnSettings = { sandbox: 'read-only', approvalPolicy: 'never' };

function requireFreeHandle(ctx: OpContext, handle: string, except?: string): void {
  const taken = ctx.store.lanes.findByHandle(handle).filter((lane) => lane.id !== except);
  if (taken.length > 0) throw new DispatchError('conflict', `lane handle '${handle}' is already taken`, { data: { lane: taken[0]?.id } });
}

/** Names the codex thread after the lane; failure is logged, not fatal (the lane works without it). */
async function nameThread(ctx: OpContext, lane: Lane, name: string): Promise<void> {
  try {
    await ctx.appServer.setName(lane.id, name);
  } catch (error) {
    ctx.log.warn('lane.name_set_failed', { lane: lane.id, error: (error as Error).message });
  }
}

export const handleOpen: Handler<'open'> = async (input, ctx) => {
  const handle = toHandle(input.name);
  requireFreeHandle(ctx, handle);
  const cwd = path.resolve(ctx.callerCwd, input.cwd ?? '.');
  const { threadId, cwd: threadCwd } = await ctx.appServer.startThread({ cwd, settings: DEFAULT_SETTINGS, ephemeral: false });
  const lane = ctx.store.transaction(() => {
    const created = ctx.store.lanes.insert({ id: threadId, handle, source: 'own', cwd: threadCwd, status: 'idle', settings: DEFAULT_SETTINGS, ephemeral: false });
    ctx.store.audit.record({ op: 'open', lane: created.id, detail: handle });
    return created;
  });
  await nameThread(ctx, lane, handle.slice(1));
  return laneRefOf(lane);
};

export const handleNew: Handler<'new'> = async (input, ctx) => {
  const resolved = await resolveNewLane(input, { callerCwd: ctx.callerCwd });
  requireFreeHandle(ctx, resolved.handle);
  // Checked before the thread starts, so a bad --subscribe never leaves a lane behind.
  if (input.subscribe !== undefined) subscriberOf(ctx, input.subscribe);
  const { threadId, cwd } = await ctx.appServer.startThread({
    cwd: resolved.cwd,
    settings: resolved.settings,
    ephemeral: resolved.ephemeral,
    ...(resolved.baseInstructions ? { baseInstructions: resolved.baseInstructions } : {}),
    ...(resolved.developerInstructions ? { developerInstructions: resolved.developerInstructions } : {}),
  });
  let lane = ctx.store.transaction(() => {
    const created = ctx.store.lanes.insert({
      id: threadId,
      handle: resolved.handle,
      source: 'own',
      cwd,
      status: 'idle',
      settings: resolved.settings,
      ephemeral: resolved.ephemeral,
    });
    ctx.store.audit.record({ op: 'new', lane: created.id, detail: resolved.displayName });
    return created;
  });
  await nameThread(ctx, lane, resolved.displayName);
  const subscription = input.subscribe === undefined ? null : subscribe(ctx, lane, { when: input.subscribe_when, to: input.subscribe, once: false }).id;
  let turnId: string | null = null;
  if (resolved.text !== undefined && resolved.send) {
    const { delivery } = await deliver(ctx, { lane, mode: 'send', text: resolved.text, source: 'op' });
    turnId = delivery.turnId;
    lane = ctx.store.lanes.find(lane.id) ?? lane;
  }
  return { ...laneRefOf(lane), display_name: resolved.displayName, message_accepted: turnId !== null, turn_id: turnId, subscription };
};

export const handleAttach: Handler<'attach'> = async (input, ctx) => {
  const existing = ctx.store.lanes.find(input.thread);
  // Attaching again is idempotent; a new --name is what the user wants the lane called, so it
  // renames (as `lane rename` would) rather than answering with the old handle.
  if (existing) return laneRefOf(input.name === undefined ? existing : await renameLane(ctx, existing, toHandle(input.name)));
  // Metadata only: thread/resume would load the thread and compete with its other writer.
  const thread = await ctx.appServer.readThread(input.thread);
  let handle = toHandle(input.name ?? thread.name ?? thread.id.slice(0, 8));
  if (!input.name && ctx.store.lanes.findByHandle(handle).length > 0) handle = toHandle(`${handle.slice(1)}-${thread.id.slice(0, 8)}`);
  requireFreeHandle(ctx, handle);
  const lane = ctx.store.transaction(() => {
    const created = ctx.store.lanes.insert({
      id: thread.id,
      handle,
      source: 'attached',
      cwd: thread.cwd,
      status: thread.status === 'active' ? 'busy' : 'idle',
      settings: DEFAULT_SETTINGS,
      ephemeral: thread.ephemeral,
    });
    ctx.store.audit.record({ op: 'attach', lane: created.id, detail: handle });
    return created;
  });
  return laneRefOf(lane);
};

export const handleShow: Handler<'show'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  const transcript = input.include_transcript ? await readTranscript(ctx, lane, input.max_items) : [];
  return { ...laneDetailOf(lane), transcript };
};

/** The last `limit` items of a lane's persisted history, oldest first. */
export async function readTranscript(ctx: OpContext, lane: Lane, limit: number) {
  const turns = await ctx.appServer.listTurns(lane.id, { limit });
  const items = turns.flatMap((turn) =>
    turn.items.map((item) => ({ turn_id: turn.id, item_id: item.id, type: item.type, text: item.text ?? item.command ?? null })),
  );
  return items.slice(-limit);
}

export const handleLaneRename: Handler<'lane-rename'> = async (input, ctx) =>
  laneRefOf(await renameLane(ctx, resolveLane(ctx.store, input.lane), toHandle(input.name)));

/** Gives a lane a new handle; triggers and subscriptions follow it, as they hold the lane's id. */
async function renameLane(ctx: OpContext, lane: Lane, handle: string): Promise<Lane> {
  if (handle === lane.handle) return lane;
  requireFreeHandle(ctx, handle, lane.id);
  const renamed = ctx.store.transaction(() => {
    const updated = ctx.store.lanes.update(lane.id, { handle });
    ctx.store.audit.record({ op: 'lane-rename', lane: lane.id, detail: `${lane.handle} → ${handle}` });
    return updated;
  });
  if (lane.source === 'own') await nameThread(ctx, renamed, handle.slice(1));
  return renamed;
}

export const handleRoster: Handler<'roster'> = async (input, ctx) => ({
  lanes: ctx.store.lanes
    .list({ includeArchived: input.include_archived })
    .map((lane) => ({ ...laneRefOf(lane), active_turn_id: lane.activeTurnId, latest_turn: lane.latestTurn, updated_at: lane.updatedAt })),
});

export const handleDiscover: Handler<'discover'> = async (input, ctx) => {
  const page = await ctx.appServer.listThreads({ limit: input.limit, cursor: input.cursor ?? null, archived: input.archived });
  return {
    sessions: page.threads.map((t) => ({
      id: t.id,
      name: t.name,
      preview: shortPreview(t.preview),
      cwd: t.cwd,
      status: t.status,
      source: t.source,
      managed: ctx.store.lanes.find(t.id) !== undefined,
      updated_at: t.updatedAt,
    })),
    next_cursor: page.nextCursor,
  };
};

/** Collapses whitespace and cuts long previews to 80 characters with an ellipsis. */
export function shortPreview(preview: string): string {
  const flat = preview.replace(/\s+/g, ' ').trim();
  return flat.length <= 80 ? flat : `${flat.slice(0, 79).trimEnd()}…`;
}

function isNoRollout(error: unknown): boolean {
  return error instanceof DispatchError && /no rollout found/i.test(error.message);
}

export const handleArchive: Handler<'archive'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'archive');
  if (lane.status === 'archived') return laneRefOf(lane);
  requireIdle(lane, 'archive');
  try {
    await ctx.appServer.archive(lane.id);
  } catch (error) {
    // A thread that never ran a turn has no rollout to archive; the lane is archived locally.
    if (!isNoRollout(error)) throw error;
  }
  const updated = ctx.store.transaction(() => {
    const next = ctx.store.lanes.update(lane.id, { status: 'archived', activeTurnId: null });
    ctx.store.audit.record({ op: 'archive', lane: lane.id });
    return next;
  });
  return laneRefOf(updated);
};

export const handleRestore: Handler<'restore'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'restore');
  if (lane.status !== 'archived') return laneRefOf(lane);
  try {
    await ctx.appServer.unarchive(lane.id);
    // thread/archive unloads the thread and thread/unarchive only moves its rollout back: until it
    // is loaded again, turn/start answers "thread not found".
    await ctx.appServer.resumeThread(lane.id);
  } catch (error) {
    // Never archived in codex (no rollout yet): the thread is still loaded.
    if (!isNoRollout(error)) throw error;
  }
  const updated = ctx.store.transaction(() => {
    const next = ctx.store.lanes.update(lane.id, { status: 'idle' });
    ctx.store.audit.record({ op: 'restore', lane: lane.id });
    return next;
  });
  return laneRefOf(updated);
};

export const handleFork: Handler<'fork'> = async (input, ctx) => {
  const source = resolveLane(ctx.store, input.lane);
  requireOwned(source, 'fork');
  const handle = toHandle(input.name);
  requireFreeHandle(ctx, handle);
  const overrides = settingsFromInput(input);
  const cwd = input.cwd ? path.resolve(ctx.callerCwd, input.cwd) : (source.cwd ?? undefined);
  const { threadId, cwd: threadCwd } = await ctx.appServer.fork(source.id, { ...(cwd ? { cwd } : {}), settings: overrides, ephemeral: input.ephemeral });
  const lane = ctx.store.transaction(() => {
    const created = ctx.store.lanes.insert({
      id: threadId,
      handle,
      source: 'own',
      cwd: threadCwd,
      status: 'idle',
      settings: { ...source.settings, ...overrides },
      ephemeral: input.ephemeral,
    });
    ctx.store.audit.record({ op: 'fork', lane: created.id, detail: `from ${source.id}` });
    return created;
  });
  await nameThread(ctx, lane, handle.slice(1));
  return { ...laneRefOf(lane), forked_from: source.id };
};

export const handleRollback: Handler<'rollback'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'roll back');
  requireNotArchived(lane, 'roll back');
  requireIdle(lane, 'roll back');
  const turns = await ctx.appServer.listTurns(lane.id);
  if (turns.length < input.turns) {
    throw new DispatchError('validation', `lane ${lane.handle} has ${turns.length} turn(s); cannot drop ${input.turns}`);
  }
  const first = turns[turns.length - input.turns];
  if (!first) throw new DispatchError('internal', 'turn list changed while rolling back');
  await ctx.appServer.revert(lane.id, first.id);
  const remaining = turns.slice(0, turns.length - input.turns);
  const last = remaining.at(-1);
  const updated = ctx.store.transaction(() => {
    const next = ctx.store.lanes.update(lane.id, {
      status: 'idle',
      activeTurnId: null,
      latestTurn: last ? { id: last.id, status: last.status, error: last.error, at: ctx.clock.now().toISOString() } : null,
      lastAgentMessage: last ? ([...last.items].reverse().find((i) => i.type === 'agentMessage')?.text ?? null) : null,
    });
    ctx.store.audit.record({ op: 'rollback', lane: lane.id, detail: `${input.turns} turn(s)` });
    return next;
  });
  return { ...laneRefOf(updated), dropped_turns: input.turns, remaining_turns: remaining.length };
};

export const handleCompact: Handler<'compact'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'compact');
  requireNotArchived(lane, 'compact');
  requireIdle(lane, 'compact');
  await ctx.appServer.compact(lane.id);
  ctx.store.audit.record({ op: 'compact', lane: lane.id });
  return { lane: lane.id, handle: lane.handle, op: 'compact', accepted: true, turn_id: null, detail: null };
};
