import { z } from 'zod';
import { defineOp } from '../defineOp.js';
import { approvalRoutingInput, laneRef, laneWorktreeRef, messageText, subscriptionWhen, turnSettingsInput } from '../schemas.js';

export const newOp = defineOp({
  name: 'new',
  summary: 'Create a configured owned lane and optionally send it a first message.',
  group: 'lane',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({
    name: z.string().min(1).describe('Lane name; the prefix from config decorates it.'),
    preset: z.array(z.string().min(1)).default([]).describe('Presets from .dispatch/config.toml, applied left to right.'),
    text: messageText.optional().describe('First message to send (`-` on the CLI reads stdin; or use --text-file).'),
    send: z.boolean().default(true).describe('Send the first message when there is one.'),
    cwd: z.string().min(1).optional().describe("Working directory; relative paths resolve against the caller's cwd."),
    prefix: z.string().optional().describe('Name prefix template, e.g. "[${DISPATCH.CWD.REPO}]"; empty for none.'),
    ...turnSettingsInput,
    ...approvalRoutingInput,
    ephemeral: z.boolean().optional().describe('Do not persist the thread (no rollout file; no goals).'),
    base_instructions: z.string().optional().describe('Replace the base instructions.'),
    base_file: z.string().optional().describe('Read base instructions from this file.'),
    developer_instructions: z.string().optional().describe('Developer instructions for the lane.'),
    developer_file: z.string().optional().describe('Read developer instructions from this file.'),
    worktree: z.boolean().optional().describe("Give the lane its own git worktree (outside the checkout, on a new branch) of the cwd's repository."),
    branch: z.string().min(1).optional().describe('With --worktree: the new branch (default <branch_prefix><name>, dispatch/<name>).'),
    base: z.string().min(1).optional().describe('With --worktree: what the branch starts from (default the repository\'s HEAD).'),
    branch_prefix: z.string().optional().describe('With --worktree: prefix of the default branch name (default dispatch/).'),
    subscribe: z.string().min(1).optional().describe('Tell this lane (or "inbox") when the new lane finishes: an orchestrator is woken by its worker.'),
    subscribe_when: subscriptionWhen.default('done'),
  }),
  output: laneRef.extend({
    display_name: z.string(),
    message_accepted: z.boolean().describe('The first message was accepted by codex (work is not yet done).'),
    turn_id: z.string().nullable(),
    subscription: z.string().nullable().describe('Trigger id of the subscription made with --subscribe.'),
    worktree: laneWorktreeRef.nullable(),
  }),
  errors: ['validation', 'conflict', 'app_server'],
  examples: [
    { name: 'create without sending', input: { name: 'docs', send: false, prefix: '' }, output: { handle: '@docs', message_accepted: false } },
    { name: 'unknown preset', input: { name: 'x', preset: ['nope'] }, error: 'validation' },
    { name: 'worktree outside a git repository', input: { name: 'x', worktree: true, prefix: '' }, error: 'validation' },
  ],
  cli: { command: ['new'] },
});
