/** Row ↔ model helpers shared by the repositories. */

/** SQLite has no boolean type; flags are stored as 0/1. */
export const toFlag = (value: boolean): number => (value ? 1 : 0);

/** Reads a 0/1 flag column back into a boolean. */
export const fromFlag = (value: number): boolean => value !== 0;

/** Parses a nullable JSON column; SQL NULL stays null. */
export function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** Serialises a value for a nullable JSON column; null and undefined become SQL NULL. */
export const toJson = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/** The current time as the ISO-8601 UTC text every timestamp column holds. */
export const isoNow = (clock: { now(): Date }): string => clock.now().toISOString();

/** True when better-sqlite3 reports a violated UNIQUE constraint (not a primary key). */
export function isUniqueViolation(error: unknown): boolean {
  return sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** True when better-sqlite3 reports a duplicate primary key. */
export function isPrimaryKeyViolation(error: unknown): boolean {
  return sqliteCode(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
