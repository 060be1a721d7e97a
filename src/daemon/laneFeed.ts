import type { Disposable, LaneFeed, RawLaneMessage } from '../core/context.js';
import type { LaneEvent } from '../core/laneEvents.js';

/** Fans lane events and raw messages out to handlers (watch, interject) and subscribers. */
export class LaneFeedHub implements LaneFeed {
  private readonly eventListeners = new Set<(event: LaneEvent) => void>();
  private readonly rawListeners = new Map<string, Set<(message: RawLaneMessage) => void>>();

  onEvent(listener: (event: LaneEvent) => void): Disposable {
    this.eventListeners.add(listener);
    return { dispose: () => this.eventListeners.delete(listener) };
  }

  onRaw(laneId: string, listener: (message: RawLaneMessage) => void): Disposable {
    let set = this.rawListeners.get(laneId);
    if (!set) this.rawListeners.set(laneId, (set = new Set()));
    set.add(listener);
    return {
      dispose: () => {
        set.delete(listener);
        if (set.size === 0) this.rawListeners.delete(laneId);
      },
    };
  }

  publishEvent(event: LaneEvent): void {
    for (const listener of [...this.eventListeners]) listener(event);
  }

  publishRaw(laneId: string, message: RawLaneMessage): void {
    const set = this.rawListeners.get(laneId);
    if (set) for (const listener of [...set]) listener(message);
  }
}
