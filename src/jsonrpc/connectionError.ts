/**
 * What can go wrong with a connection itself, in the engine's own terms (like vscode-jsonrpc's
 * ConnectionErrors). Callers map these to their own errors at their boundary.
 */
export const CONNECTION_ERROR_CODES = {
  /** The transport closed, or was closed, before the answer arrived. */
  closed: 'closed',
  /** The peer did not answer within the request's timeout. */
  timeout: 'timeout',
  /** The caller aborted the request (its AbortSignal fired), or the peer cancelled an incoming one. */
  cancelled: 'cancelled',
  /** The peer sent a frame that is not JSON, too long, or not a JSON-RPC message we expect. */
  protocol: 'protocol',
} as const;

export type ConnectionErrorCode = (typeof CONNECTION_ERROR_CODES)[keyof typeof CONNECTION_ERROR_CODES];

export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  readonly code: ConnectionErrorCode;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ConnectionErrorCode, message: string, options?: { cause?: unknown; data?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options?.data;
  }
}
