import { DispatchError } from '../../shared/errors.js';
import type { OpContext } from '../context.js';
import { resolveLane } from '../lanes.js';
import type { Lane, Trigger } from '../model.js';
import { handleLookup, namesOf, newTriggerId, requireWritableTarget, requireWritableTriggerLane, resolveTriggerLane, triggerViewOf } from './trigger/shared.js';
import type { Handler } from './types.js';

// `done` is lane_done, not turn_completed: a lane working on a goal completes many turns in a row.
const EVENTS = { done: 'lane_done', failed: 'turn_failed', 'needs-attention': 'waiting_on_approval' } as const;

const DEFAULT_TEXT: Record<keyof typeof EVENTS, string> = {
  done: '[dispatch] {{handle}} is done. Its last message:\n{{last_message}}',
  failed: '[dispatch] {{handle}} failed a turn. Its last message:\n{{last_message}}',
  'needs-attention': '[dispatch] {{handle}} is waiting for an approval decision (`dispatch request list --lane {{lane}}`).',
};

/** The local lane a subscription tells (undefined: the inbox); one it could never write to is refused up front. */
export function subscriberOf(ctx: Pick<OpContext, 'store'>, to: string): Lane | undefined {
  if (to === 'inbox') return undefined;
  const target = resolveLane(ctx.store, to);
  requireWritableTarget(target);
  return target;
}

/** A lane as a subscription stores (`id`: a lane id, or `<laneId>@<station>`) and names it. */
interface NamedLane {
  id: string;
  handle: string;
}

/** A subscription is a trigger on the worker's event that tells a lane (a `send`) or the inbox (`target` null). */
export function subscribe(ctx: OpContext, worker: NamedLane, options: { when: keyof typeof EVENTS; target: NamedLane | null; once: boolean; text?: string }): Trigger {
  const { target } = options;
  if (target?.id === worker.id) throw new DispatchError('validation', 'a lane cannot subscribe to itself');
  const text = options.text ?? DEFAULT_TEXT[options.when];
  return ctx.store.transaction(() => {
    const trigger = ctx.store.triggers.insert({
      id: newTriggerId(),
      name: `${target?.handle ?? 'inbox'} ← ${worker.handle} ${options.when}`,
      lane: worker.id,
      when: { kind: 'event', event: EVENTS[options.when] },
      action: target === null ? { kind: 'inbox', text } : { kind: 'send', text, target: target.id },
      guard: { idleOnly: false, minIntervalSeconds: null, dedupe: false, once: options.once },
      enabled: true,
    });
    ctx.store.audit.record({ op: 'subscribe', lane: worker.id, triggerId: trigger.id, detail: trigger.name });
    return trigger;
  });
}

export const handleSubscribe: Handler<'subscribe'> = async (input, ctx) => {
  // Either lane may be another station's (NAME@STATION): resolved once, stored as <laneId>@<station>.
  const worker = await resolveTriggerLane(ctx, input.worker);
  const target = input.to === 'inbox' ? null : await resolveTriggerLane(ctx, input.to);
  if (target !== null) requireWritableTriggerLane(target);
  const trigger = subscribe(ctx, worker, { when: input.when, target, once: input.once, ...(input.text ? { text: input.text } : {}) });
  return triggerViewOf(trigger, handleLookup(ctx, namesOf(worker, target)));
};
