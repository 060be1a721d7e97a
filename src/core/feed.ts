import type { Disposable, LaneFeed, RawLaneMessage } from './context.js';
import type { FeedEntry } from './facts.js';

/**
 * Fans live lane traffic out to handlers (watch, interject) and subscribers: facts as they commit
 * (in sequence order), deltas as they arrive, and each lane's raw app-server messages.
 */
export class LaneFeedHub implements LaneFeed {
  private readonly entryListeners = new Set<(entry: FeedEntry) => void>();
  private readonly rawListeners = new Map<string, Set<(message: RawLaneMessage) => void>>();

  onEntry(listener: (entry: FeedEntry) => void): Disposable {
    this.entryListeners.add(listener);
    return { dispose: () => this.entryListeners.delete(listener) };
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

  private readonly onListenerError: (error: unknown) => void;

  /** `onListenerError` hears what a listener threw; the other listeners still get the entry. */
  constructor(onListenerError: (error: unknown) => void = () => undefined) {
    this.onListenerError = onListenerError;
  }

  publish(entry: FeedEntry): void {
    for (const listener of [...this.entryListeners]) {
      try {
        listener(entry);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  publishRaw(laneId: string, message: RawLaneMessage): void {
    const set = this.rawListeners.get(laneId);
    if (set) for (const listener of [...set]) listener(message);
  }
}
