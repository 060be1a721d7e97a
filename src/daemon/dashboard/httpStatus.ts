import type { ErrorCode } from '../../shared/errors.js';

/**
 * The HTTP status of each code of the one error table (src/shared/errors.ts); the body carries
 * the code itself. A code added to the table without a status here is a compile error.
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  internal: 500,
  validation: 400,
  usage: 400,
  not_found: 404,
  lane_busy: 409,
  approval_required: 409,
  authority: 403,
  daemon_unreachable: 503,
  app_server: 502,
  transport_closed: 502,
  overloaded: 503,
  version_skew: 409,
  codex_missing: 503,
  conflict: 409,
  timeout: 504,
  protocol: 400,
  already_running: 409,
  cancelled: 400,
  ambiguous: 409,
  unsafe_home: 500,
  check_failed: 500,
  limit_exceeded: 413,
  unauthorized: 401,
  fleet_unavailable: 503,
};
