import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { laneSelector, triggerActionKind, triggerView, triggerWhenKind } from '../../schemas.js';

export const triggerAddOp = defineOp({
  name: 'trigger.add',
  summary: 'Add a trigger: when something happens on a lane (or on a schedule), send a lane a message.',
  group: 'trigger',
  intent: 'write',
  idempotent: false,
  input: z.strictObject({
    name: z.string().min(1).describe('A name for the trigger.'),
    lane: laneSelector.describe('The lane watched (events, idle_for) and, without --target, acted on.'),
    when: triggerWhenKind.describe('interval / cron / idle_for, or an event: turn_completed, turn_failed, waiting_on_approval, lane_idle, lane_done (finished: no goal continuation pending).'),
    action: triggerActionKind.default('send').describe('What to deliver: send starts a turn (queued while the target is busy), steer joins the running one, context injects, inbox records it in the inbox.'),
    text: z.string().min(1).describe('Message text; {{lane}}, {{handle}}, {{last_message}}, {{event}} are filled in when it fires.'),
    target: laneSelector.optional().describe('Deliver to this lane instead of the watched one.'),
    seconds: z.number().positive().optional().describe('Period for interval, quiet time for idle_for.'),
    cron: z.string().min(1).optional().describe('Cron expression (5 or 6 fields) for cron triggers.'),
    timezone: z.string().min(1).optional().describe("IANA time zone for cron (default: the daemon's local zone)."),
    idle_only: z.boolean().default(false).describe('Fire only while the target lane is idle.'),
    min_interval: z.number().positive().optional().describe('Seconds that must pass between firings.'),
    dedupe: z.boolean().default(false).describe('Skip a firing whose text equals the previous one.'),
    once: z.boolean().default(false).describe('Disable the trigger after it fires once.'),
  }),
  output: triggerView,
  errors: ['validation', 'not_found', 'ambiguous', 'authority', 'fleet_unavailable'],
  examples: [
    { name: 'interval without seconds', input: { name: 'ping', lane: '@alpha', when: 'interval', text: 'ping' }, error: 'validation' },
    { name: 'bad cron', input: { name: 'c', lane: '@alpha', when: 'cron', cron: 'not a cron', text: 'x' }, error: 'validation' },
  ],
  cli: { command: ['trigger', 'add'] },
});
