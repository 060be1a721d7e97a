import { DispatchError } from '../../../shared/errors.js';
import { notInFleet } from '../../fleet.js';
import { remoteReceiptOf } from '../../remoteLanes.js';
import type { Handler } from '../types.js';
import { requestViewOf } from './shared.js';

export const handleRequestRespond: Handler<'request.respond'> = async (input, ctx) => {
  const { station } = input;
  if (station === undefined || station === ctx.fleet?.station) return requestViewOf(ctx.approvals.respond(input.id, input.decision, input.answer ?? []));
  if (ctx.fleet === undefined) throw notInFleet(`request ${input.id}@${station}`);
  // Its station checks the answer against the request, as it would its own; here only that there is one.
  if (input.decision === undefined && (input.answer ?? []).length === 0) {
    throw new DispatchError('validation', 'an answer to another station\'s request needs a decision (accept, accept-for-session, decline, cancel) or an answer', { data: { fields: ['decision', 'answer'] } });
  }
  const entry = ctx.fleet.respond(station, input.id, { ...(input.decision === undefined ? {} : { decision: input.decision }), ...(input.answer === undefined ? {} : { answer: input.answer }) });
  return { id: input.id, station, decision: input.decision ?? null, answer: input.answer ?? null, receipt: remoteReceiptOf(entry), state: entry.state };
};
