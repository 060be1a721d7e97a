// What several goal handlers share.
import type { Goal } from '../../ports.js';

export function goalView(goal: Goal | null) {
  return goal
    ? {
        objective: goal.objective,
        status: goal.status,
        token_budget: goal.tokenBudget,
        tokens_used: goal.tokensUsed,
        time_used_seconds: goal.timeUsedSeconds,
        created_at: goal.createdAt,
        updated_at: goal.updatedAt,
      }
    : null;
}
