import { z } from 'zod';
import { defineOp } from '../defineOp.js';

/** Why an item needs a person: what is asked (approval, question, an MCP form), a missing login, a lane waiting before its request is listed, a failure, a finished turn, a message capacity holds back. */
export const ATTENTION_REASONS = ['approval', 'question', 'form', 'login', 'waiting', 'error', 'done', 'held'] as const;

/** An op call that acts on an item; the CLI shows it as its command (`dispatch request respond 3 accept`). */
const attentionAction = z.object({
  op: z.string().describe('The op to call (the MCP action; on the CLI, its command words).'),
  input: z.record(z.string(), z.unknown()),
  fill: z.array(z.string()).describe('Input fields holding a <placeholder> for the person to replace (a message, an answer).'),
});

const attentionItem = z.object({
  attention: z.enum(['needs-you', 'failed', 'done-unread', 'held']).describe('The class: needs-you first, then failed, then done-unread, then held (messages capacity admission keeps back; they start by themselves).'),
  reason: z.enum(ATTENTION_REASONS),
  lane: z.string().nullable().describe('Lane id (null for what concerns the whole daemon, e.g. a missing login).'),
  handle: z.string().nullable(),
  request: z.number().nullable().describe('The request to answer with `request respond`.'),
  summary: z.string().describe('The command or paths to approve, the question, the error message, or the last agent message.'),
  since: z.string().describe('Since when it waits; each class is listed oldest first.'),
  actions: z.array(attentionAction).describe('Op calls that act on it, the most likely first.'),
  codex_home: z.string().optional().describe('For a login: the codex home to run `codex login` in (CODEX_HOME), then restart the daemon.'),
  station: z.string().optional().describe('With --fleet: the station of the lane (this one\'s included).'),
  reachable: z.boolean().optional().describe('With --fleet: false when the station\'s lease lapsed (what it shows is as of then).'),
});

export const attentionOp = defineOp({
  name: 'attention',
  summary: 'List what needs a person, most urgent first: approvals, questions and logins, then failed lanes, then finished turns nobody read, then messages held back by capacity, each with the command that acts on it.',
  group: 'lane',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({ fleet: z.boolean().default(false).describe("Also every other station's lanes, from the fleet's lane directory.") }),
  output: z.object({ items: z.array(attentionItem) }),
  errors: ['fleet_unavailable'],
  examples: [
    { name: 'all clear', input: {}, output: { items: [] } },
    { name: 'the fleet, in no fleet', input: { fleet: true }, error: 'validation' },
  ],
  cli: { command: ['attention'] },
});
