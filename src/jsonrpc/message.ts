/**
 * JSON-RPC message shapes, classified by shape rather than by a "jsonrpc" field: codex app-server
 * speaks "JSON-RPC lite" and never sends `"jsonrpc":"2.0"`.
 */
export type RequestId = string | number;

export interface RequestMessage {
  id: RequestId;
  method: string;
  params?: unknown;
}

export interface NotificationMessage {
  method: string;
  params?: unknown;
  [extra: string]: unknown;
}

export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

export type ResponseMessage = { id: RequestId; result: unknown } | { id: RequestId; error: WireError };

export type Message = RequestMessage | NotificationMessage | ResponseMessage;

export type MessageKind = 'request' | 'notification' | 'response' | 'invalid';

const isId = (v: unknown): v is RequestId => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));

/** Tells what a parsed JSON value is; anything else is `invalid` and gets reported, not thrown. */
export function classify(value: unknown): MessageKind {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'invalid';
  const m = value as Record<string, unknown>;
  const hasMethod = typeof m['method'] === 'string';
  if (hasMethod && isId(m['id'])) return 'request';
  if (hasMethod && m['id'] === undefined) return 'notification';
  if (!hasMethod && isId(m['id']) && ('result' in m || 'error' in m)) return 'response';
  return 'invalid';
}

/** Reads a peer's error object defensively: a malformed one still becomes a usable error. */
export function readWireError(value: unknown): WireError {
  if (typeof value !== 'object' || value === null) return { code: -32603, message: 'malformed error response' };
  const e = value as Record<string, unknown>;
  return {
    code: typeof e['code'] === 'number' ? e['code'] : -32603,
    message: typeof e['message'] === 'string' ? e['message'] : 'unknown error',
    ...(e['data'] === undefined ? {} : { data: e['data'] }),
  };
}
