import { JsonRpcConnection, type ConnectionOptions } from '../../src/jsonrpc/connection.js';
import { MemoryTransport } from '../../src/jsonrpc/memoryTransport.js';
import type { Message } from '../../src/jsonrpc/message.js';

/** A frame as a test writes or reads it: any JSON object, well-formed or not. */
export type Wire = Record<string, unknown>;

/** One connection whose peer is driven by hand through the raw transport on the other side. */
export async function withRawPeer(options: ConnectionOptions = {}) {
  const [local, peer] = MemoryTransport.createLinkedPair();
  const conn = new JsonRpcConnection(local, { peerName: 'raw peer', ...options });
  const received: Wire[] = [];
  peer.onmessage = (m) => received.push(m as Wire);
  const errors: Error[] = [];
  conn.onError((e) => errors.push(e));
  await conn.start();
  /** Sends a frame exactly as given (Message is the typed shape; the cast lets tests send any JSON). */
  const send = (frame: Wire): Promise<void> => peer.send(frame as unknown as Message);
  return { conn, local, peer, received, errors, send };
}
