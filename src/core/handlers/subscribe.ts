import { DispatchError } from '../../shared/errors.js';
import type { OpContext } from '../context.js';
import { resolveLane } from '../lanes.js';
import type { Lane, Trigger } from '../model.js';
import { handleLookup, newTriggerId, requireWritableTarget, triggerViewOf } from './trigger/shared.js';
import type { Handler } from './types.js';

// `done` is lane_done, not turn_completed: a lane working on a goal completes many turns in a row.
const EVENTS = { done: 'lane_done', failed: 'turn_failed', 'needs-attention': 'waiting_on_approval' } as const;

const DEFAULT_TEXT: Record<keyof typeof EVENTS, string> = {
  done: '[dispatch] {{handle}} is done. Its last message:\n{{last_message}}',
  failed: '[dispatch] {{handle}} failed a turn. Its last message:\n{{last_message}}',
  'needs-attention': '[dispatch] {{handle}} is waiting for an approval decision (`dispatch request list --lane {{lane}}`).',
};

/** The lane a subscription tells (undefined: the inbox); one it could never write to is refused up front. */
export function subscriberOf(ctx: Pick<OpContext, 'store'>, to: string): Lane | undefined {
  if (to === 'inbox') return undefined;
  const target = resolveLane(ctx.store, to);
  requireWritableTarget(target);
  return target;
}

/** A subscription is a trigger on the worker's event that tells a lane (a `send`) or the inbox. */
export function subscribe(ctx: OpContext, worker: Lane, options: { when: keyof typeof EVENTS; to: string; once: boolean; text?: string }): Trigger {
  const toInbox = options.to === 'inbox';
  const target = subscriberOf(ctx, options.to);
  if (target?.id === worker.id) throw new DispatchError('validation', 'a lane cannot subscribe to itself');
  return ctx.store.transaction(() => {
    const trigger = ctx.store.triggers.insert({
      id: newTriggerId(),
      name: `${toInbox ? 'inbox' : (target?.handle ?? options.to)} ← ${worker.handle} ${options.when}`,
      lane: worker.id,
      when: { kind: 'event', event: EVENTS[options.when] },
      action: toInbox ? { kind: 'inbox', text: options.text ?? DEFAULT_TEXT[options.when] } : { kind: 'send', text: options.text ?? DEFAULT_TEXT[options.when], target: target?.id ?? options.to },
      guard: { idleOnly: false, minIntervalSeconds: null, dedupe: false, once: options.once },
      enabled: true,
    });
    ctx.store.audit.record({ op: 'subscribe', lane: worker.id, triggerId: trigger.id, detail: trigger.name });
    return trigger;
  });
}

export const handleSubscribe: Handler<'subscribe'> = async (input, ctx) =>
  triggerViewOf(subscribe(ctx, resolveLane(ctx.store, input.worker), { when: input.when, to: input.to, once: input.once, ...(input.text ? { text: input.text } : {}) }), handleLookup(ctx));
