import { DispatchError } from '../../../shared/errors.js';
import { laneIsAt } from '../../lane/wait.js';
import { laneDetailOf, resolveLane } from '../../lanes.js';
import type { Lane } from '../../model.js';
import type { Handler } from '../types.js';

/**
 * Waits on the lane's facts as the journal publishes them (after their commit, so the stored lane
 * is already their fold): no polling. The listener is registered before the current state is read,
 * in the same tick, so a fact that lands in between cannot be missed.
 */
export const handleLaneWait: Handler<'lane.wait'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  const startedAt = ctx.clock.now().getTime();
  const waited = (): number => Math.max(0, (ctx.clock.now().getTime() - startedAt) / 1000);
  const answer = (now: Lane, fact: { seq: number; type: string } | null) => ({ lane: laneDetailOf(now), until: input.until, reason: fact ? ('reached' as const) : ('already' as const), fact, waited_seconds: waited() });
  type Answer = ReturnType<typeof answer>;
  /** The goal as the lane's facts report it while waiting; undefined until one does. */
  let goalActive: boolean | undefined;
  return new Promise<Answer>((resolve, reject) => {
    let done = false;
    const finish = (outcome: { answer: Answer } | { error: DispatchError }): void => {
      if (done) return;
      done = true;
      listener.dispose();
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      if ('answer' in outcome) resolve(outcome.answer);
      else reject(outcome.error);
    };
    const current = (): Lane => ctx.store.lanes.find(lane.id) ?? lane;
    const listener = ctx.feed.onEntry((entry) => {
      if (done || entry.seq === null || entry.event.laneId !== lane.id) return;
      const { event } = entry;
      if (event.type === 'goalUpdated') goalActive = event.status === 'active';
      else if (event.type === 'goalCleared') goalActive = false;
      const now = current();
      if (laneIsAt(now, input.until, goalActive ?? false)) finish({ answer: answer(now, { seq: entry.seq, type: event.type }) });
    });
    const onAbort = (): void => finish({ error: new DispatchError('cancelled', `the wait for ${lane.handle} was cancelled`) });
    const timer = setTimeout(() => {
      const now = current();
      finish({
        error: new DispatchError('timeout', `${now.handle} is not ${input.until} after ${input.timeout} s (attention: ${now.attention}, status: ${now.status})`, {
          data: { lane: now.id, handle: now.handle, until: input.until, attention: now.attention, status: now.status, waited_seconds: waited() },
        }),
      });
    }, input.timeout * 1000);
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (!laneIsAt(lane, input.until)) return;
    if (input.until !== 'done') return finish({ answer: answer(lane, null) });
    // Done only if codex will not start the goal's next turn by itself.
    ctx.appServer.goalGet(lane.id).then(
      (goal) => {
        goalActive ??= goal?.status === 'active';
        if (laneIsAt(current(), 'done', goalActive)) finish({ answer: answer(current(), null) });
      },
      () => {
        goalActive ??= false;
        if (laneIsAt(current(), 'done', goalActive)) finish({ answer: answer(current(), null) });
      },
    );
  });
};
