/**
 * People read lanes by handle: before a result is printed as a table or record, lane ids in
 * `lane`/`target` fields become the lane's current handle. JSON output keeps the ids as they are.
 */

const LANE_FIELDS = ['lane', 'target'];

type Json = unknown;

function laneIdsIn(value: Json, found: Set<string>, depth = 0): void {
  if (depth > 3 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) laneIdsIn(item, found, depth + 1);
    return;
  }
  const record = value as Record<string, Json>;
  for (const [key, field] of Object.entries(record)) {
    if (LANE_FIELDS.includes(key) && typeof field === 'string' && !('handle' in record)) found.add(field);
    else laneIdsIn(field, found, depth + 1);
  }
}

function replaceIds(value: Json, handles: ReadonlyMap<string, string>, depth = 0): Json {
  if (depth > 3 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => replaceIds(item, handles, depth + 1));
  const record = value as Record<string, Json>;
  return Object.fromEntries(
    Object.entries(record).map(([key, field]) => {
      // A record that carries its own handle (an ack, a lane) keeps its id next to it.
      if (LANE_FIELDS.includes(key) && typeof field === 'string' && !('handle' in record)) return [key, handles.get(field) ?? field];
      return [key, replaceIds(field, handles, depth + 1)];
    }),
  );
}

/** The result with lane ids replaced by handles; asks `lookup` only when there is an id to name. */
export async function withHandles(result: Json, lookup: () => Promise<ReadonlyMap<string, string>>): Promise<Json> {
  const ids = new Set<string>();
  laneIdsIn(result, ids);
  if (ids.size === 0) return result;
  return replaceIds(result, await lookup());
}
