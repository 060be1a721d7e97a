/** Checks an app-server answer has what dispatch reads from it, so a malformed one is a typed `app_server` failure, not a TypeError. */
import type { ClientMethod } from '../protocol/index.js';
import { isRecord } from '../shared/records.js';

const hasObject = (value: Record<string, unknown>, key: string): boolean => {
  const inner = value[key];
  return isRecord(inner) && typeof inner['id'] === 'string';
};
const isPage = (value: Record<string, unknown>): boolean => Array.isArray(value['data']) && (value['nextCursor'] === null || typeof value['nextCursor'] === 'string');

/**
 * What dispatch reads from each answer, checked before it is trusted: a thread or turn with an id,
 * a page with data and a cursor. Every result in the generated protocol is a JSON object.
 */
const ANSWER_CHECKS: Partial<Record<ClientMethod, { expect: string; ok: (result: Record<string, unknown>) => boolean }>> = {
  initialize: { expect: 'userAgent', ok: (r) => typeof r['userAgent'] === 'string' },
  'thread/start': { expect: 'thread.id', ok: (r) => hasObject(r, 'thread') },
  'thread/resume': { expect: 'thread.id', ok: (r) => hasObject(r, 'thread') },
  'thread/fork': { expect: 'thread.id', ok: (r) => hasObject(r, 'thread') },
  'thread/read': { expect: 'thread.id', ok: (r) => hasObject(r, 'thread') },
  'thread/list': { expect: 'data[] and nextCursor', ok: isPage },
  'thread/turns/list': { expect: 'data[] and nextCursor', ok: isPage },
  'turn/start': { expect: 'turn.id', ok: (r) => hasObject(r, 'turn') },
  'turn/steer': { expect: 'turnId', ok: (r) => typeof r['turnId'] === 'string' },
};

/** Why an answer cannot be what `method` returns, or undefined when it can. */
export function malformedAnswer(method: ClientMethod, result: unknown): string | undefined {
  if (!isRecord(result)) return `expected an object, got ${result === null ? 'null' : Array.isArray(result) ? 'an array' : typeof result}`;
  const check = ANSWER_CHECKS[method];
  return check && !check.ok(result) ? `expected ${check.expect}` : undefined;
}
