import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { fleetLaneView, laneDetail, laneSelector, laneWorktreeRef, remoteRequestView, transcriptItem } from '../../schemas.js';
import { usageTotals } from '../usage.js';

const worktreeDetail = laneWorktreeRef.extend({
  present: z.boolean().describe('The worktree exists (false once removed: `lane restore` recreates it).'),
  dirty_files: z.number().int().nullable().describe('Changed or untracked files (git status --porcelain); null when not present.'),
  ahead: z.number().int().nullable().describe('Commits on the branch not in the base.'),
  behind: z.number().int().nullable().describe('Commits in the base not on the branch.'),
});

export const laneGetOp = defineOp({
  name: 'lane.get',
  summary: "Show a lane's detail: status, settings, latest turn and its error (NAME@STATION: what its station publishes).",
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({
    lane: laneSelector,
    include_transcript: z.boolean().default(false).describe('Also return the last transcript items.'),
    max_items: z.number().int().min(1).max(1000).default(20).describe('Transcript items to return.'),
  }),
  output: z.union([
    laneDetail.extend({
      worktree: worktreeDetail.nullable().describe('The lane\'s git worktree and its state, read from git now.'),
      usage: usageTotals.describe("The lane's token usage over the turns codex reported."),
      transcript: z.array(transcriptItem),
      held: z
        .object({ receipt: z.number(), reason: z.string() })
        .nullable()
        .describe("The lane's next message when capacity admission holds it back, and why; null otherwise."),
    }),
    // NAME@STATION: the lane as its station publishes it in the lane directory.
    fleetLaneView.extend({
      last_agent_message: z.string().nullable(),
      pending_requests: z.array(remoteRequestView),
    }),
  ]),
  errors: ['not_found', 'ambiguous', 'app_server', 'fleet_unavailable'],
  examples: [{ name: 'show a lane', input: { lane: '@alpha' }, output: { handle: '@alpha', writable: true } }],
  cli: { command: ['lane', 'get'], positionals: ['lane'], aliases: [['lane', 'status']] },
});
