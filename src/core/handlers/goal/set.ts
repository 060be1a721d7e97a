import { DispatchError } from '../../../shared/errors.js';
import { requireOwned, resolveLane } from '../../lanes.js';
import type { Lane } from '../../model.js';
import type { Goal } from '../../ports.js';
import type { Handler } from '../types.js';
import { goalView } from './shared.js';

/** Says what an active goal sets off: codex starts turn after turn on its own, each a turn of the lane. */
function continuationNote(lane: Lane, goal: Goal): string | null {
  if (goal.status !== 'active') return null;
  const limit = goal.tokenBudget === null ? 'it is complete' : `it is complete or has used its budget of ${goal.tokenBudget} tokens`;
  const unbounded = goal.tokenBudget === null ? ' No token budget is set, so nothing caps it (--token-budget does).' : '';
  return `codex now keeps working on this goal by itself, turn after turn, until ${limit}.${unbounded} Watch it with \`dispatch goal status ${lane.handle}\`; stop it with \`dispatch goal set ${lane.handle} --status paused\`.`;
}

export const handleGoalSet: Handler<'goal.set'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'set a goal');
  if (input.objective === undefined && input.status === undefined && input.token_budget === undefined) {
    throw new DispatchError('validation', 'goal set needs an objective, a status or a token budget');
  }
  if (input.objective === undefined && (await ctx.appServer.goalGet(lane.id)) === null) {
    throw new DispatchError('validation', 'goal set needs an objective to create a goal; status and token budget only update an existing one');
  }
  if (lane.ephemeral) throw new DispatchError('validation', `lane ${lane.handle} is ephemeral; codex keeps goals only on persisted threads`);
  const goal = await ctx.appServer.goalSet(lane.id, {
    ...(input.objective === undefined ? {} : { objective: input.objective }),
    ...(input.status === undefined ? {} : { status: input.status }),
    ...(input.token_budget === undefined ? {} : { tokenBudget: input.token_budget }),
  });
  ctx.store.audit.record({ op: 'goal.set', lane: lane.id, detail: input.objective ?? input.status ?? `budget ${input.token_budget}` });
  return { lane: lane.id, goal: goalView(goal), note: continuationNote(lane, goal) };
};
