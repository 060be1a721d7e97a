import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneSelector, requestView } from '../../schemas.js';

export const requestListOp = defineOp({
  name: 'request.list',
  summary: 'List requests from codex waiting for a person — approvals, the agent\'s questions, MCP forms — (all of them with --all).',
  group: 'request',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    lane: laneSelector.optional().describe('Only this lane.'),
    all: z.boolean().default(false).describe('Include answered, expired and failed requests.'),
    limit: z.number().int().min(1).max(10000).default(50),
  }),
  output: z.object({ requests: z.array(requestView) }),
  errors: ['not_found', 'ambiguous'],
  examples: [{ name: 'none pending', input: {}, output: { requests: [] } }],
  cli: { command: ['request', 'list'] },
});
