import { DispatchError } from '../../../shared/errors.js';
import { laneRefOf, requireIdle, requireLane, requireNotArchived, requireOwned, resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';

export const handleLaneRollback: Handler<'lane.rollback'> = async (input, ctx) => {
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
    ctx.journal.record({
      type: 'laneRolledBack',
      laneId: lane.id,
      droppedTurns: input.turns,
      latestTurn: last ? { id: last.id, status: last.status, error: last.error } : null,
      lastAgentMessage: last ? ([...last.items].reverse().find((i) => i.type === 'agentMessage')?.text ?? null) : null,
    });
    ctx.store.audit.record({ op: 'lane.rollback', lane: lane.id, detail: `${input.turns} turn(s)` });
    return requireLane(ctx.store, lane.id);
  });
  return { ...laneRefOf(updated), dropped_turns: input.turns, remaining_turns: remaining.length };
};
