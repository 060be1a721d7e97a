import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The cookie the page's token lives in after the first visit (HttpOnly, SameSite=Strict). */
export const TOKEN_COOKIE = 'dispatch_dashboard';

/** Hosts a loopback browser names the dashboard by; any other Host is a DNS-rebinding attempt. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

export type GuardVerdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** The Host header names this server on loopback (`127.0.0.1:PORT`, `localhost:PORT`). */
export function isOwnHost(host: string | undefined, port: number): boolean {
  return host !== undefined && LOOPBACK_HOSTS.some((name) => host.toLowerCase() === `${name}:${port}`);
}

/** An Origin header, when sent, must be the dashboard's own: a page elsewhere cannot drive it (CSRF). */
export function isOwnOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return LOOPBACK_HOSTS.some((name) => origin.toLowerCase() === `http://${name}:${port}`);
}

function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries: `Authorization: Bearer …`, or the cookie the first visit set. */
export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return value.join('=');
  }
  return undefined;
}

/**
 * Who may talk to the dashboard: a loopback Host (403 otherwise), no foreign Origin (403), and the
 * token (401 without it). `queryToken` is the `?token=` of the one URL `dispatch dashboard` prints.
 */
export function checkRequest(headers: IncomingHttpHeaders, port: number, token: string, queryToken?: string): GuardVerdict {
  if (!isOwnHost(headers.host, port)) return { ok: false, status: 403, reason: 'the Host header does not name this loopback dashboard' };
  if (!isOwnOrigin(headers.origin, port)) return { ok: false, status: 403, reason: "the request's Origin is not the dashboard's own" };
  if (sameSecret(presentedToken(headers), token) || sameSecret(queryToken, token)) return { ok: true };
  return { ok: false, status: 401, reason: 'no valid dashboard token: open the URL `dispatch dashboard` prints' };
}

/** The cookie that keeps the token for the page's own requests (never readable by scripts). */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
