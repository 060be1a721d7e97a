import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/shared/redactUrl.js';

describe('redactUrl', () => {
  it('replaces the password of user:pass@ and keeps everything else', () => {
    expect(redactUrl('postgres://fleet:s3cret@db.example:5432/dispatch')).toBe('postgres://fleet:***@db.example:5432/dispatch');
    expect(redactUrl('postgresql://fleet:s3cret@db/dispatch?sslmode=require')).toBe('postgresql://fleet:***@db/dispatch?sslmode=require');
  });

  it('redacts URL-encoded passwords and raw @, / or : inside them', () => {
    expect(redactUrl('postgres://fleet:p%40ss%2Fw%3Ard@db/x')).toBe('postgres://fleet:***@db/x');
    expect(redactUrl('postgres://fleet:p@ss:w/rd@db/x')).toBe('postgres://fleet:***@db/x');
  });

  it('redacts password= and sslpassword= query parameters', () => {
    expect(redactUrl('postgres://db/x?user=fleet&password=s3cret&sslmode=require')).toBe('postgres://db/x?user=fleet&password=***&sslmode=require');
    expect(redactUrl('postgres://db/x?PASSWORD=s3cret')).toBe('postgres://db/x?PASSWORD=***');
    expect(redactUrl('postgres://db/x?sslpassword=k3y#frag')).toBe('postgres://db/x?sslpassword=***#frag');
    expect(redactUrl('postgres://u:a@db/x?password=b')).toBe('postgres://u:***@db/x?password=***');
  });

  it('redacts unix-socket URLs', () => {
    expect(redactUrl('postgres://fleet:s3cret@%2Fvar%2Frun%2Fpostgresql/dispatch')).toBe('postgres://fleet:***@%2Fvar%2Frun%2Fpostgresql/dispatch');
    expect(redactUrl('socket://fleet:s3cret@/var/run/postgresql?db=dispatch')).toBe('socket://fleet:***@/var/run/postgresql?db=dispatch');
    expect(redactUrl('postgresql:///dispatch?host=/var/run/postgresql&password=s3cret')).toBe('postgresql:///dispatch?host=/var/run/postgresql&password=***');
  });

  it('redacts libpq key=value strings, quoted values included', () => {
    expect(redactUrl("host=db user=fleet password='a b\\'c' dbname=x")).toBe('host=db user=fleet password=*** dbname=x');
    expect(redactUrl('password=s3cret host=db')).toBe('password=*** host=db');
  });

  it('leaves a URL without a password as it is', () => {
    for (const url of ['postgres://fleet@db/x', 'postgres://db:5432/x', 'postgresql:///x?host=/tmp', 'postgres://db/x@y']) expect(redactUrl(url)).toBe(url);
  });

  it('never returns the secret, whatever the shape', () => {
    const secret = 'Zq9!x';
    const shapes = [`postgres://u:${secret}@h/d`, `postgres://u:${encodeURIComponent(secret)}@h/d`, `postgres://h/d?password=${secret}`, `password=${secret}`, `socket://u:${secret}@/tmp`];
    for (const url of shapes) expect(redactUrl(url)).not.toContain(secret.slice(0, 3));
  });
});
