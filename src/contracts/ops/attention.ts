import { z } from 'zod';
import { defineOp } from '../defineOp.js';

/** Why an item needs a person: what is asked (approval, question, an MCP form), a missing login, a lane waiting before its request is listed, a failure, a finished turn. */
export const ATTENTION_REASONS = ['approval', 'question', 'form', 'login', 'waiting', 'error', 'done'] as const;

const attentionItem = z.object({
  attention: z.enum(['needs-you', 'failed', 'done-unread']).describe('The class: needs-you first, then failed, then done-unread.'),
  reason: z.enum(ATTENTION_REASONS),
  lane: z.string().nullable().describe('Lane id (null for what concerns the whole daemon, e.g. a missing login).'),
  handle: z.string().nullable(),
  request: z.number().nullable().describe('The request to answer with `request respond`.'),
  summary: z.string().describe('The command or paths to approve, the question, the error message, or the last agent message.'),
  since: z.string().describe('Since when it waits; each class is listed oldest first.'),
  commands: z.array(z.string()).describe('Exact commands that act on it, the most likely first (<placeholders> are yours to fill).'),
});

export const attentionOp = defineOp({
  name: 'attention',
  summary: 'List what needs a person, most urgent first: approvals, questions and logins, then failed lanes, then finished turns nobody read, each with the command that acts on it.',
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({}),
  output: z.object({ items: z.array(attentionItem) }),
  errors: [],
  examples: [{ name: 'all clear', input: {}, output: { items: [] } }],
  cli: { command: ['attention'] },
});
