/** A plain JSON-like object (not null, not an array): the shape every untyped payload is checked against before reading fields. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
