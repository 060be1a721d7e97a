/**
 * The one error table of dispatch. Every surface projects an error from here and nowhere else:
 * the CLI exits with `exit`, the control socket answers with `rpc`, MCP returns an `isError`
 * result carrying the code in `_meta`. Exit codes 1, 2, 4–8 keep dispatch 0.1.0's meaning.
 */
export const ERROR_TABLE = {
  internal: { exit: 1, rpc: -32603, retryable: false, summary: 'an unexpected failure inside dispatch' },
  validation: { exit: 2, rpc: -32602, retryable: false, summary: 'the input is invalid (unknown field, wrong type, bad value)' },
  usage: { exit: 2, rpc: -32602, retryable: false, summary: 'the command line is invalid' },
  not_found: { exit: 4, rpc: -32004, retryable: false, summary: 'no such lane, thread, trigger, receipt or request' },
  lane_busy: { exit: 5, rpc: -32005, retryable: true, summary: 'the lane is running a turn; pick a send mode that says what to do' },
  approval_required: { exit: 6, rpc: -32006, retryable: false, summary: 'the lane waits for an approval decision' },
  authority: { exit: 7, rpc: -32007, retryable: false, summary: 'dispatch does not own this lane (attached lanes are observe-only)' },
  daemon_unreachable: { exit: 8, rpc: -32010, retryable: true, summary: 'the dispatch daemon is not running or not answering' },
  app_server: { exit: 8, rpc: -32011, retryable: true, summary: 'the codex app-server failed, refused the request or is not running' },
  transport_closed: { exit: 8, rpc: -32012, retryable: true, summary: 'the connection closed before the answer arrived' },
  overloaded: { exit: 8, rpc: -32001, retryable: true, summary: 'the codex app-server is overloaded; retry later' },
  version_skew: { exit: 8, rpc: -32013, retryable: false, summary: 'the running daemon is a different version and is busy' },
  codex_missing: { exit: 9, rpc: -32014, retryable: false, summary: 'the codex binary is missing or older than the minimum supported version' },
  conflict: { exit: 10, rpc: -32009, retryable: false, summary: 'the request conflicts with stored state (idempotency key reused with other input, name taken)' },
  timeout: { exit: 11, rpc: -32008, retryable: true, summary: 'the operation did not finish in time' },
  protocol: { exit: 12, rpc: -32700, retryable: false, summary: 'a peer sent a malformed or unexpected message' },
  already_running: { exit: 13, rpc: -32015, retryable: false, summary: 'another daemon already owns this dispatch home' },
  cancelled: { exit: 130, rpc: -32800, retryable: false, summary: 'the operation was cancelled' },
  ambiguous: { exit: 14, rpc: -32016, retryable: false, summary: 'the lane selector matches more than one lane; use a full handle or the id' },
  unsafe_home: { exit: 15, rpc: -32017, retryable: false, summary: 'the dispatch home (or a directory or file in it) is not owned by you or is writable by others' },
  check_failed: { exit: 1, rpc: -32018, retryable: false, summary: 'a doctor check that blocks real use failed (the report says which and how to fix it)' },
  limit_exceeded: { exit: 16, rpc: -32019, retryable: false, summary: 'a size or count limit was exceeded (a line, request or result too large, too many connections or subscriptions); data.limit says which' },
  unauthorized: { exit: 17, rpc: -32020, retryable: false, summary: 'the request carries no valid credential (the web dashboard\'s token), or comes from a host or origin that is not the dashboard\'s own' },
  fleet_unavailable: { exit: 18, rpc: -32021, retryable: true, summary: 'the fleet database is not reachable (or refused); local work goes on, and mail is posted when it returns' },
} as const satisfies Record<string, { exit: number; rpc: number; retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}

/**
 * Marks every DispatchError, whichever copy of this module made it: the CLI's hot path and its
 * lazily loaded parts (the MCP server, the zod contracts) are separate bundles, each with its own
 * copy of this class, and an error crossing between them must still be recognised.
 */
const DISPATCH_ERROR = Symbol.for('dispatch.DispatchError');

/** A dispatch failure with a code from the table. `data` travels to every surface as-is. */
export class DispatchError extends Error {
  override readonly name = 'DispatchError';
  readonly code: ErrorCode;
  readonly data: Record<string, unknown> | undefined;
  private readonly [DISPATCH_ERROR] = true;

  /** `instanceof DispatchError` by the mark; subclasses keep the ordinary prototype check. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== DispatchError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DISPATCH_ERROR] === true;
  }

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; data?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options?.data;
  }

  get exitCode(): number {
    return ERROR_TABLE[this.code].exit;
  }

  toJSON(): { code: ErrorCode; message: string; data?: Record<string, unknown> } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/**
 * The JSON-RPC engine's ConnectionError codes (src/jsonrpc/connectionError.ts) as dispatch codes.
 * Matched by name and code because shared/ imports no layer; test/jsonrpc checks every code is here.
 */
export const CONNECTION_ERROR_MAP: Readonly<Record<string, ErrorCode>> = {
  closed: 'transport_closed',
  timeout: 'timeout',
  cancelled: 'cancelled',
  protocol: 'protocol',
};

/** Wraps anything thrown into a DispatchError, keeping the original as `cause`. */
export function toDispatchError(error: unknown): DispatchError {
  if (error instanceof DispatchError) return error;
  if (error instanceof Error) {
    const connectionCode = error.name === 'ConnectionError' ? CONNECTION_ERROR_MAP[String((error as { code?: unknown }).code)] : undefined;
    if (connectionCode) {
      const data = (error as { data?: Record<string, unknown> }).data;
      return new DispatchError(connectionCode, error.message, { cause: error, ...(data ? { data } : {}) });
    }
    if (error.name === 'AbortError') return new DispatchError('cancelled', error.message, { cause: error });
    if (error.name === 'TimeoutError') return new DispatchError('timeout', error.message, { cause: error });
    return new DispatchError('internal', error.message, { cause: error });
  }
  return new DispatchError('internal', String(error));
}

/** A thrown error as a JSON-RPC error answer: the table's rpc code, with the dispatch code in data.code. */
export function wireErrorOf(error: unknown): { code: number; message: string; data: Record<string, unknown> } {
  const e = toDispatchError(error);
  return { code: ERROR_TABLE[e.code].rpc, message: e.message, data: { code: e.code, ...(e.data ?? {}) } };
}
