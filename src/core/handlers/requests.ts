import type { ServerRequestRecord } from '../model.js';
import { resolveLane } from '../lanes.js';
import type { Handler } from './types.js';

export function requestViewOf(r: ServerRequestRecord) {
  return {
    id: r.id,
    lane: r.lane,
    kind: r.kind,
    method: r.method,
    summary: r.summary,
    state: r.state,
    decision: r.decision,
    decided_by: r.decidedBy,
    created_at: r.createdAt,
    answered_at: r.answeredAt,
    error: r.error,
    prompt: r.prompt,
    answer: r.answer,
  };
}

export const handleRequestList: Handler<'request-list'> = async (input, ctx) => {
  const lane = input.lane === undefined ? undefined : resolveLane(ctx.store, input.lane).id;
  const rows = ctx.store.requests.list({ ...(input.all ? {} : { states: ['pending'] as const }), ...(lane ? { lane } : {}), limit: input.limit });
  return { requests: rows.map(requestViewOf) };
};

export const handleRequestRespond: Handler<'request-respond'> = async (input, ctx) => requestViewOf(ctx.approvals.respond(input.id, input.decision, input.answer ?? []));
