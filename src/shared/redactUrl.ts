const REDACTED = '***';

/** Parameters that carry a secret, in a URL's query or a libpq `key=value` string. */
const SECRET_PARAM = /(^|[?&;\s])((?:ssl)?password)=('(?:[^'\\]|\\.)*'|[^&#\s]*)/gi;

/**
 * A database URL fit for logs, the audit log and status: any password (in the userinfo, or a
 * `password=`/`sslpassword=` parameter) becomes `***`. It works on the raw text, not a URL parser, so
 * an unparseable or unusual URL (a raw `@` or `/` in the password, a unix-socket host) is still
 * redacted; when in doubt it redacts more, never less.
 */
export function redactUrl(url: string): string {
  let out = url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(out);
  if (scheme !== null) {
    const start = scheme[0].length;
    const queryAt = out.slice(start).search(/[?#]/);
    const beforeQuery = queryAt === -1 ? out.length : start + queryAt;
    const at = out.lastIndexOf('@', beforeQuery - 1);
    if (at >= start) {
      const userinfo = out.slice(start, at);
      const colon = userinfo.indexOf(':');
      if (colon !== -1) out = `${out.slice(0, start)}${userinfo.slice(0, colon)}:${REDACTED}${out.slice(at)}`;
    }
  }
  return out.replace(SECRET_PARAM, (_match, lead: string, key: string) => `${lead}${key}=${REDACTED}`);
}
