import type { WireError } from './message.js';

/** An error exactly as the peer sent it in a JSON-RPC response (codex's own codes are kept). */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: number;
  readonly data: unknown;
  readonly method: string;

  constructor(method: string, error: WireError) {
    super(error.message);
    this.method = method;
    this.code = error.code;
    this.data = error.data;
  }
}

/** JSON-RPC 2.0 and codex codes dispatch reacts to. */
export const RPC_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** codex app-server: "Server overloaded; retry later." */
  serverOverloaded: -32001,
} as const;
