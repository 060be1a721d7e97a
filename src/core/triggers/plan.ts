/**
 * The "plan" half of triggers: pure decisions about which triggers fire and with what text.
 * No I/O and no timers; the clock is always a parameter, so the scheduler and its tests
 * share one definition of "due". The caller applies the plan (sends, records lastFiredAt,
 * disables `once` triggers, audits).
 */
import { nextCronRun } from '../cron.js';
import type { LaneEvent, TurnOutcome } from '../laneEvents.js';
import type { Lane, Trigger, TriggerWhen } from '../model.js';

/** The zone a cron trigger is evaluated in when it stores none. */
export const DEFAULT_CRON_TIMEZONE = 'UTC';

/** The lane events a trigger can wait for. */
export type TriggerEventName = Extract<TriggerWhen, { kind: 'event' }>['event'];

/**
 * How the planner finds a trigger's lane from the lane id it holds: a map (keyed by lane id;
 * handles are matched against its values too) or a resolver function.
 */
export type LaneLookup = ReadonlyMap<string, Lane> | ((laneId: string) => Lane | undefined);

/** One event trigger an event set off, with the event name it matched. */
export interface EventMatch {
  trigger: Trigger;
  eventName: TriggerEventName;
}

/** What the guards decided for one would-be firing. */
export type GuardDecision = { fire: true } | { fire: false; reason: string };

/** What the planner needs to judge a firing against the trigger's guards. */
export interface GuardContext {
  now: Date;
  /** The lane the action goes to, if it still exists. */
  target: Lane | undefined;
  renderedText: string;
  /** The text this trigger sent last time, if known. */
  lastText: string | undefined;
}

/** The variables a trigger's action text may use as `{{name}}`. */
export const TEMPLATE_VARIABLES = ['lane', 'handle', 'last_message', 'event', 'trigger', 'time'] as const;

/** One of the names in TEMPLATE_VARIABLES. */
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** Values for every template variable. */
export type TemplateVars = Record<TemplateVariable, string>;

// ---------------------------------------------------------------------------------------------
// Time triggers
// ---------------------------------------------------------------------------------------------

/** The zone a cron trigger is evaluated in: the one it stores, else UTC. */
export function cronTimeZone(trigger: Trigger): string {
  return trigger.when.kind === 'cron' && trigger.when.timezone ? trigger.when.timezone : DEFAULT_CRON_TIMEZONE;
}

/**
 * Why a cron trigger can never be evaluated (bad zone, bad expression, no future run), or null
 * when it is fine or not a cron trigger; the caller logs it and may disable the trigger.
 */
export function cronProblem(trigger: Trigger): string | null {
  if (trigger.when.kind !== 'cron') return null;
  const { expr } = trigger.when;
  const zone = cronTimeZone(trigger);
  try {
    Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return `unknown time zone '${zone}'`;
  }
  const baseline = cronBaseline(trigger);
  if (baseline === null) return `invalid timestamp '${trigger.lastFiredAt ?? trigger.createdAt}'`;
  let next: Date | null;
  try {
    next = nextCronRun(expr, zone, baseline);
  } catch (error) {
    return `invalid cron expression '${expr}': ${error instanceof Error ? error.message : String(error)}`;
  }
  if (next === null) return `cron expression '${expr}' never fires after ${baseline.toISOString()}`;
  return null;
}

/**
 * When a time trigger will next be due, never earlier than `now` (an overdue trigger is due now);
 * null for event triggers, an idle_for trigger whose lane is not in an unfired idle period, or a
 * trigger that cannot be evaluated. Ignores `enabled`: callers show or skip disabled ones.
 */
export function nextFireTime(trigger: Trigger, lane: Lane | undefined, now: Date): Date | null {
  const due = dueAt(trigger, lane);
  if (due === null) return null;
  return due.getTime() < now.getTime() ? new Date(now.getTime()) : due;
}

/**
 * Whether a time trigger is due at `now`; never throws (an invalid trigger is simply not due).
 * Ignores `enabled`, which dueTimeTriggers and checkGuards handle.
 */
export function isTimeTriggerDue(trigger: Trigger, now: Date, lane: Lane | undefined): boolean {
  const due = dueAt(trigger, lane);
  return due !== null && now.getTime() >= due.getTime();
}

/** The enabled time triggers due at `now`, oldest first (createdAt, then id); a bad trigger never stops the others. */
export function dueTimeTriggers(triggers: readonly Trigger[], lanes: LaneLookup, now: Date): Trigger[] {
  return sortTriggers(triggers).filter((trigger) => {
    try {
      if (!trigger.enabled || trigger.when.kind === 'event') return false;
      // Only idle_for reads its lane; skipping the lookup for the others spares resolver work.
      const lane = trigger.when.kind === 'idle_for' ? lookupLane(lanes, trigger.lane) : undefined;
      return isTimeTriggerDue(trigger, now, lane);
    } catch {
      return false;
    }
  });
}

/** The earliest nextFireTime among enabled time triggers: how long the scheduler may sleep. Null when none is pending. */
export function nextWakeTime(triggers: readonly Trigger[], lanes: LaneLookup, now: Date): Date | null {
  let earliest: Date | null = null;
  for (const trigger of triggers) {
    try {
      if (!trigger.enabled || trigger.when.kind === 'event') continue;
      const lane = trigger.when.kind === 'idle_for' ? lookupLane(lanes, trigger.lane) : undefined;
      const next = nextFireTime(trigger, lane, now);
      if (next !== null && (earliest === null || next.getTime() < earliest.getTime())) earliest = next;
    } catch {
      continue;
    }
  }
  return earliest;
}

/** The instant a time trigger becomes due, possibly in the past; null when it has none. */
function dueAt(trigger: Trigger, lane: Lane | undefined): Date | null {
  try {
    const when = trigger.when;
    switch (when.kind) {
      case 'interval': {
        if (!validSeconds(when.seconds)) return null;
        // Counting from createdAt makes "every 10 minutes" send its first message in 10 minutes,
        // not the moment it is added; counting from the last firing collapses an outage into one.
        const base = parseTime(trigger.lastFiredAt ?? trigger.createdAt);
        return base === null ? null : new Date(base + when.seconds * 1000);
      }
      case 'cron': {
        // The next run after the last firing (not after now): a run missed while the daemon was
        // down is still due, yet any number of missed runs yield one firing, because the firing
        // moves the baseline to its own time.
        const baseline = cronBaseline(trigger);
        return baseline === null ? null : nextCronRun(when.expr, cronTimeZone(trigger), baseline);
      }
      case 'idle_for': {
        if (!validSeconds(when.seconds) || !lane || lane.status !== 'idle') return null;
        const lastEvent = parseTime(lane.lastEventAt);
        if (lastEvent === null) return null;
        // Once per idle period: any lane event after the firing starts a new period.
        if (trigger.lastFiredAt !== null) {
          const lastFired = parseTime(trigger.lastFiredAt);
          if (lastFired === null || lastFired >= lastEvent) return null;
        }
        return new Date(lastEvent + when.seconds * 1000);
      }
      case 'event':
        return null;
      default:
        return null;
    }
  } catch {
    return null;
  }
}

function cronBaseline(trigger: Trigger): Date | null {
  const base = parseTime(trigger.lastFiredAt ?? trigger.createdAt);
  return base === null ? null : new Date(base);
}

function validSeconds(seconds: number): boolean {
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0;
}

// ---------------------------------------------------------------------------------------------
// Event triggers
// ---------------------------------------------------------------------------------------------

/** The trigger event name a lane event stands for, or null when no trigger can wait for it. */
export function triggerEventFor(event: LaneEvent): TriggerEventName | null {
  switch (event.type) {
    case 'turnCompleted':
      // A failed turn is its own event; an interrupted one did complete (the user stopped it).
      return event.outcome === 'failed' ? 'turn_failed' : 'turn_completed';
    case 'approvalRequested':
      return 'waiting_on_approval';
    case 'statusChanged':
      return event.status === 'idle' ? 'lane_idle' : null;
    default:
      return null;
  }
}

/** What the planner knows about the event's lane beyond the event itself, as of that event. */
export interface LaneFacts {
  /** The lane's goal status as codex last reported it before the event; null when it has no goal. */
  goalStatus: string | null;
}

/** For a lane nothing is known about: no goal, so every completed turn finishes its work. */
export const NO_LANE_FACTS: LaneFacts = { goalStatus: null };

/**
 * Whether a lane has finished its work when a turn ends: it went idle and codex will not start
 * another turn on its own. codex continues a lane by itself while its goal is `active` (each
 * continuation turn ends like any other), but not after an interrupted turn (the goal stays
 * active and nothing runs). A failed turn is not "done": it is `turn_failed`.
 */
export function laneFinished(outcome: TurnOutcome, goalStatus: string | null): boolean {
  if (outcome === 'failed') return false;
  return outcome === 'interrupted' || goalStatus !== 'active';
}

/** Every trigger event name a lane event stands for: its own, plus `lane_done` when a turn's end finished the lane. */
export function triggerEventsFor(event: LaneEvent, facts: LaneFacts = NO_LANE_FACTS): TriggerEventName[] {
  const primary = triggerEventFor(event);
  if (primary === null) return [];
  if (event.type === 'turnCompleted' && laneFinished(event.outcome, facts.goalStatus)) return [primary, 'lane_done'];
  return [primary];
}

/**
 * The enabled event triggers a lane event sets off, oldest first: those waiting for that event
 * whose lane is the event's lane. A lane that no longer resolves matches nothing.
 */
export function matchEventTriggers(event: LaneEvent, triggers: readonly Trigger[], resolve: LaneLookup, facts: LaneFacts = NO_LANE_FACTS): EventMatch[] {
  const eventNames = triggerEventsFor(event, facts);
  if (eventNames.length === 0) return [];
  const resolved = new Map<string, Lane | undefined>();
  const matches: EventMatch[] = [];
  for (const trigger of sortTriggers(triggers)) {
    try {
      if (!trigger.enabled || trigger.when.kind !== 'event') continue;
      const eventName = trigger.when.event;
      if (!eventNames.includes(eventName)) continue;
      // Many triggers share a lane; resolve each once per event.
      if (!resolved.has(trigger.lane)) resolved.set(trigger.lane, lookupLane(resolve, trigger.lane));
      if (resolved.get(trigger.lane)?.id === event.laneId) matches.push({ trigger, eventName });
    } catch {
      continue;
    }
  }
  return matches;
}

// ---------------------------------------------------------------------------------------------
// Guards
// ---------------------------------------------------------------------------------------------

/**
 * Whether a due or matched trigger may fire now, or the reason it is skipped
 * ('disabled', 'min_interval', 'target busy', 'duplicate text'); `once` is afterFiring's job.
 */
export function checkGuards(trigger: Trigger, context: GuardContext): GuardDecision {
  if (!trigger.enabled) return { fire: false, reason: 'disabled' };
  const { guard } = trigger;
  const minInterval = guard.minIntervalSeconds;
  if (minInterval !== null && Number.isFinite(minInterval) && minInterval > 0 && trigger.lastFiredAt !== null) {
    const lastFired = parseTime(trigger.lastFiredAt);
    if (lastFired !== null && context.now.getTime() - lastFired < minInterval * 1000) return { fire: false, reason: 'min_interval' };
  }
  // An unresolved target is not "busy": the apply step reports the missing lane itself.
  if (guard.idleOnly && context.target !== undefined && context.target.status !== 'idle') return { fire: false, reason: 'target busy' };
  if (guard.dedupe && context.lastText !== undefined && context.renderedText === context.lastText) return { fire: false, reason: 'duplicate text' };
  return { fire: true };
}

/** What the caller must do to a trigger after it fired: disable it when it fires only once. */
export function afterFiring(trigger: Trigger): { disable: boolean } {
  return { disable: trigger.guard.once };
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

// Names are identifiers; anything else between braces is left alone as literal text.
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

function isTemplateVariable(name: string): name is TemplateVariable {
  return (TEMPLATE_VARIABLES as readonly string[]).includes(name);
}

/**
 * Replaces `{{name}}` (spaces allowed inside the braces) with its value in one pass, so a value
 * containing `{{…}}` is never expanded again; unknown names stay as typed.
 */
export function renderTriggerText(template: string, vars: TemplateVars): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (isTemplateVariable(name) ? vars[name] : whole));
}

/** The `{{names}}` in a template that are not template variables, once each, for validation when a trigger is added. */
export function unknownTemplateVariables(template: string): string[] {
  const unknown = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1];
    if (name !== undefined && !isTemplateVariable(name)) unknown.add(name);
  }
  return [...unknown];
}

/**
 * The template values for one firing: `lane` and `handle` of the watched lane (its id when
 * it did not resolve), its last agent message unless the event carried a fresher one, the event
 * name (or the when kind for time triggers, as the caller passes it), the trigger's name and `now`.
 */
export function triggerTemplateVars(input: { trigger: Trigger; lane: Lane | undefined; event: string; now: Date; lastMessage?: string }): TemplateVars {
  const { trigger, lane, event, now } = input;
  return {
    lane: lane?.id ?? trigger.lane,
    handle: lane?.handle ?? trigger.lane,
    last_message: input.lastMessage ?? lane?.lastAgentMessage ?? '',
    event,
    trigger: trigger.name,
    time: now.toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

function parseTime(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

function lookupLane(lanes: LaneLookup, selector: string): Lane | undefined {
  try {
    if (typeof lanes === 'function') return lanes(selector);
    const direct = lanes.get(selector);
    if (direct) return direct;
    const handle = selector.startsWith('@') ? selector : `@${selector}`;
    for (const lane of lanes.values()) if (lane.id === selector || lane.handle === handle) return lane;
    return undefined;
  } catch {
    // A resolver that throws (unknown or ambiguous selector) means "no lane", never an aborted plan.
    return undefined;
  }
}

/** Stable order: createdAt (as an instant), then id, so firings and logs are reproducible. */
function sortTriggers(triggers: readonly Trigger[]): Trigger[] {
  return [...triggers].sort((a, b) => {
    const ta = parseTime(a.createdAt);
    const tb = parseTime(b.createdAt);
    if (ta !== null && tb !== null && ta !== tb) return ta - tb;
    if ((ta === null) !== (tb === null)) return ta === null ? 1 : -1;
    if (ta === null && a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}
