import type net from 'node:net';
import { DispatchError, wireErrorOf } from '../shared/errors.js';

const MiB = 1024 * 1024;

/**
 * The control socket's limits, in one place. Every peer is the daemon's own user (SO_PEERCRED), so
 * these guard against a buggy or runaway client, not an attacker: generous for real use, bounded.
 */
export const CONTROL_LIMITS = {
  /**
   * Longest line before `hello` succeeds: a hello is a few KiB (the op hashes), so a peer that has
   * not said who it is cannot make the daemon hold more than this.
   */
  maxLineBytesBeforeHello: 64 * 1024,
  /**
   * Longest line after `hello`: a `send` text is at most 1 MiB of characters (MAX_TEXT_CHARS), at most
   * 4 bytes each and 6 when JSON escapes a control character, plus the envelope.
   */
  maxLineBytes: 16 * MiB,
  /** Bytes of unterminated lines held across all connections: the daemon's worst case for half-sent frames. */
  maxBufferedBytes: 64 * MiB,
  /** Open connections: CLI calls are short-lived; MCP servers and `lane follow`s hold one each. */
  maxConnections: 256,
  /** Connections past maxConnections answered with a typed refusal at once; beyond these they are dropped. */
  maxRefusing: 16,
  /** Subscriptions on one connection: a follower needs one; more is a client leaking them. */
  maxSubscriptionsPerConnection: 64,
  /**
   * A connection must say hello within this: real clients do at once (their own hello timeout is 5 s).
   * After hello there is no idle timeout: an MCP server or a `lane follow` may sit quiet for hours,
   * and maxConnections bounds how many do.
   */
  helloTimeoutMs: 10_000,
  /** How long a refused peer gets to read its error before the socket is destroyed. */
  refusalGraceMs: 1_000,
  /**
   * Memory that outgoing lines (events and replies, each with ~1 KiB of bookkeeping) may hold for one
   * connection that does not read. Without a bound a stalled subscriber holds every event from then
   * on (five took the daemon from 75 to 536 MB in a minute). 8 MiB is some 6,000 streamed deltas, so
   * a follower paused for a moment (Ctrl-S) is kept; past it the connection is let go, each
   * subscription told its `last_seq` to resume from the event log with `since`. A single larger
   * reply still goes out to a client that keeps up.
   */
  maxQueuedBytesPerConnection: 8 * MiB,
  /** How long a connection let go as too slow has to read what it was sent (and why) before it is destroyed. */
  slowConsumerGraceMs: 30_000,
} as const;

/**
 * Answers a peer with one typed error frame (JSON-RPC's id-null error) and closes the socket. What
 * the peer still sends is read and dropped (never held) until it closes or `refusalGraceMs` pass:
 * closing on a peer mid-write would fail its write (EPIPE) and it would drop the frame unread.
 */
export function refuseConnection(socket: net.Socket, error: DispatchError): void {
  if (socket.destroyed) return;
  discardInput(socket, CONTROL_LIMITS.refusalGraceMs);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`${JSON.stringify({ id: null, error: wireErrorOf(error) })}\n`);
}

/**
 * From now on what the peer sends is read and dropped (never held) until it closes; the socket is
 * destroyed after `graceMs` at the latest, so it can read what is written to it before.
 */
export function discardInput(socket: net.Socket, graceMs: number): void {
  const destroy = setTimeout(() => socket.destroy(), graceMs);
  destroy.unref();
  socket.once('close', () => clearTimeout(destroy));
  socket.removeAllListeners('data');
  socket.on('data', () => undefined);
  socket.once('end', () => socket.destroy());
  socket.resume();
}

export function limitError(limit: keyof typeof CONTROL_LIMITS, message: string, data: Record<string, unknown> = {}): DispatchError {
  return new DispatchError('limit_exceeded', message, { data: { limit, max: CONTROL_LIMITS[limit], ...data } });
}
