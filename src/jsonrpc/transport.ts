import type { Message, RequestId } from './message.js';

/** A frame too large to read, dropped unread: its size and, when its edges showed them, its id and method. */
export interface UnreadFrame {
  bytes: number;
  maxBytes: number;
  id?: RequestId;
  method?: string;
}

/**
 * A bidirectional message channel. Implementations deliver each decoded message to `onmessage`,
 * report recoverable faults (a malformed line) to `onerror`, a frame too large to read to
 * `onunreadable` (to `onerror` when unset), and call `onclose` exactly once.
 */
export interface Transport {
  start(): Promise<void>;
  send(message: Message): Promise<void>;
  close(): Promise<void>;
  onmessage?: (message: unknown) => void;
  onerror?: (error: Error) => void;
  onunreadable?: (frame: UnreadFrame) => void;
  onclose?: (reason: Error | undefined) => void;
}
