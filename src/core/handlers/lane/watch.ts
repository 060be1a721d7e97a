import type { RawLaneMessage } from '../../context.js';
import { resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';

export const handleLaneWatch: Handler<'lane.watch'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  if (input.timeout === 0) return { lane: lane.id, events: [], timed_out: true };
  // A call its caller cancelled before it got here: an abort listener added now would never fire.
  if (ctx.signal.aborted) return { lane: lane.id, events: [], timed_out: false };
  const events: Array<{ method: string; params: unknown; request_id: string | number | null }> = [];
  const timedOut = await new Promise<boolean>((resolve) => {
    const finish = (value: boolean): void => {
      clearTimeout(timer);
      subscription.dispose();
      ctx.signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = (): void => finish(false);
    const subscription = ctx.feed.onRaw(lane.id, (message: RawLaneMessage) => {
      events.push({ method: message.method, params: message.params ?? {}, request_id: message.id ?? null });
      if (events.length >= input.limit) finish(false);
    });
    const timer = setTimeout(() => finish(true), input.timeout * 1000);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  return { lane: lane.id, events, timed_out: timedOut };
};
