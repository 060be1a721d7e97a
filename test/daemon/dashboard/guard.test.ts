import { describe, expect, it } from 'vitest';
import { parseCursor } from '../../../src/daemon/dashboard/eventStream.js';
import { checkRequest, isOwnHost, isOwnOrigin, presentedToken, tokenCookie } from '../../../src/daemon/dashboard/guard.js';
import { HTTP_STATUS } from '../../../src/daemon/dashboard/httpStatus.js';
import { ERROR_TABLE } from '../../../src/shared/errors.js';

const PORT = 40123;
const TOKEN = 'x'.repeat(43);

describe('dashboard guard', () => {
  it('admits only a loopback Host with this port (DNS rebinding sends its own name)', () => {
    expect(isOwnHost(`127.0.0.1:${PORT}`, PORT)).toBe(true);
    expect(isOwnHost(`localhost:${PORT}`, PORT)).toBe(true);
    expect(isOwnHost(`LOCALHOST:${PORT}`, PORT)).toBe(true);
    expect(isOwnHost(`127.0.0.1:${PORT + 1}`, PORT)).toBe(false);
    expect(isOwnHost('127.0.0.1', PORT)).toBe(false);
    expect(isOwnHost(`evil.example:${PORT}`, PORT)).toBe(false);
    expect(isOwnHost(`127.0.0.1.evil.example:${PORT}`, PORT)).toBe(false);
    expect(isOwnHost(undefined, PORT)).toBe(false);
  });

  it('admits no Origin (same-origin GETs send none) or its own, nothing else', () => {
    expect(isOwnOrigin(undefined, PORT)).toBe(true);
    expect(isOwnOrigin(`http://127.0.0.1:${PORT}`, PORT)).toBe(true);
    expect(isOwnOrigin(`https://127.0.0.1:${PORT}`, PORT)).toBe(false);
    expect(isOwnOrigin('http://evil.example', PORT)).toBe(false);
    expect(isOwnOrigin('null', PORT)).toBe(false);
  });

  it('reads the token from a bearer header or the cookie', () => {
    expect(presentedToken({ authorization: `Bearer ${TOKEN}` })).toBe(TOKEN);
    expect(presentedToken({ cookie: `a=b; ${tokenCookie(TOKEN).split(';')[0]}; c=d` })).toBe(TOKEN);
    expect(presentedToken({ cookie: 'dispatch_dashboardx=1' })).toBeUndefined();
    expect(presentedToken({})).toBeUndefined();
  });

  it('answers 403 for a foreign host or origin before looking at the token, 401 without it', () => {
    const host = `127.0.0.1:${PORT}`;
    expect(checkRequest({ host, authorization: `Bearer ${TOKEN}` }, PORT, TOKEN)).toEqual({ ok: true });
    expect(checkRequest({ host }, PORT, TOKEN, TOKEN)).toEqual({ ok: true });
    expect(checkRequest({ host }, PORT, TOKEN)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest({ host, authorization: `Bearer ${TOKEN.slice(1)}` }, PORT, TOKEN)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest({ host: `evil.example:${PORT}`, authorization: `Bearer ${TOKEN}` }, PORT, TOKEN)).toMatchObject({ ok: false, status: 403 });
    expect(checkRequest({ host, origin: 'http://evil.example', authorization: `Bearer ${TOKEN}` }, PORT, TOKEN)).toMatchObject({ ok: false, status: 403 });
  });

  it('keeps the cookie away from scripts and other sites', () => {
    expect(tokenCookie(TOKEN)).toBe(`dispatch_dashboard=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`);
  });

  it('gives every code of the error table an HTTP status', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(Object.keys(ERROR_TABLE).sort());
    expect(HTTP_STATUS.validation).toBe(400);
    expect(HTTP_STATUS.unauthorized).toBe(401);
    expect(HTTP_STATUS.not_found).toBe(404);
    expect(HTTP_STATUS.limit_exceeded).toBe(413);
  });

  it('takes an event cursor only as a sequence number', () => {
    expect(parseCursor(undefined)).toBeUndefined();
    expect(parseCursor(null)).toBeUndefined();
    expect(parseCursor('')).toBeUndefined();
    expect(parseCursor('42')).toBe(42);
    expect(() => parseCursor('-1')).toThrow(/sequence number/);
    expect(() => parseCursor('4.5')).toThrow(/sequence number/);
    expect(() => parseCursor('abc')).toThrow(/sequence number/);
  });
});
