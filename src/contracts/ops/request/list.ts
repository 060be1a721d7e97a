import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneSelector, remoteRequestView, requestView } from '../../schemas.js';

export const requestListOp = defineOp({
  name: 'request.list',
  summary: 'List requests from codex waiting for a person — approvals, the agent\'s questions, MCP forms — (all of them with --all).',
  group: 'request',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    lane: laneSelector.optional().describe('Only this lane (NAME@STATION: the pending requests its station publishes).'),
    all: z.boolean().default(false).describe('Include answered, expired and failed requests.'),
    limit: z.number().int().min(1).max(10000).default(50),
    fleet: z.boolean().default(false).describe("Also the pending requests of every other station's lanes."),
  }),
  output: z.object({ requests: z.array(z.union([requestView, remoteRequestView])) }),
  errors: ['not_found', 'ambiguous', 'fleet_unavailable'],
  examples: [{ name: 'none pending', input: {}, output: { requests: [] } }],
  cli: { command: ['request', 'list'] },
});
