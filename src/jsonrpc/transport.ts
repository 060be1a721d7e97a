import type { Message } from './message.js';

/**
 * A bidirectional message channel. Implementations deliver each decoded message to `onmessage`,
 * report recoverable faults (a malformed line) to `onerror` and call `onclose` exactly once.
 */
export interface Transport {
  start(): Promise<void>;
  send(message: Message): Promise<void>;
  close(): Promise<void>;
  onmessage?: (message: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (reason: Error | undefined) => void;
}
