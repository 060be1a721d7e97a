import { describe, expect, it } from 'vitest';
import { fleetError, isUnavailable } from '../../src/fleet/pgErrors.js';
import { DispatchError } from '../../src/shared/errors.js';

const URL_WITH_PASSWORD = 'postgres://fleet:p%40ss-word@db.internal:5432/fleet';

const coded = (code: string, message = 'boom'): Error => Object.assign(new Error(message), { code });

describe('database failures as fleet_unavailable', () => {
  it('the database away, refusing or timing out is unavailable; a wrong query is not', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '28P01', '3D000', '53300', '57014']) expect(isUnavailable(coded(code)), code).toBe(true);
    expect(isUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    for (const code of ['42P01', '23505', '22P02', '40P01']) expect(isUnavailable(coded(code)), code).toBe(false);
    expect(isUnavailable(new DispatchError('conflict', 'taken'))).toBe(false);
    expect(isUnavailable('not an error')).toBe(false);
  });

  it('the typed error names the redacted database and the cause, never the password, even when the driver quoted it', () => {
    const mapped = fleetError(URL_WITH_PASSWORD, coded('28P01', 'password authentication failed (tried p@ss-word)'));
    expect(mapped).toBeInstanceOf(DispatchError);
    const error = mapped as DispatchError;
    expect(error.code).toBe('fleet_unavailable');
    expect(error.message).toContain('postgres://fleet:***@db.internal:5432/fleet');
    expect(error.message).toContain('28P01');
    expect(error.message).not.toContain('p@ss-word');
    expect(error.message).not.toContain('p%40ss-word');
    expect(error.cause).toBeUndefined();
  });

  it('any other error passes through unchanged', () => {
    const wrong = coded('42P01', 'relation "nope" does not exist');
    expect(fleetError(URL_WITH_PASSWORD, wrong)).toBe(wrong);
  });
});
