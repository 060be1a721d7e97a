// What several request handlers share.
import type { ServerRequestRecord } from '../../model.js';

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
