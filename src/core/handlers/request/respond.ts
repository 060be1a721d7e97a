import type { Handler } from '../types.js';
import { requestViewOf } from './shared.js';

export const handleRequestRespond: Handler<'request.respond'> = async (input, ctx) => requestViewOf(ctx.approvals.respond(input.id, input.decision, input.answer ?? []));
