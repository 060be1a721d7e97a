import type { LaneEvent } from '../../src/core/laneEvents.js';

/** Anything that pushes lane events: a CodexClient, the fake app-server, a port under test. */
export interface LaneEventSource {
  onEvent(listener: (event: LaneEvent) => void): { dispose(): void };
}

/** Resolves with the first event matching `predicate` (events before the call are not seen). */
export function nextEvent<T extends LaneEvent>(source: LaneEventSource, predicate: (e: LaneEvent) => e is T, timeoutMs?: number): Promise<T>;
export function nextEvent(source: LaneEventSource, predicate: (e: LaneEvent) => boolean, timeoutMs?: number): Promise<LaneEvent>;
export function nextEvent(source: LaneEventSource, predicate: (e: LaneEvent) => boolean, timeoutMs = 20_000): Promise<LaneEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no matching lane event within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = source.onEvent((event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(event);
    });
  });
}
