/**
 * The id and method of a JSON-RPC line too long to read, from the bytes kept of its start and end.
 * Clients differ: the MCP SDK client writes `{method, params, jsonrpc, id}` (id last), codex
 * `{"id":…,"result":…}` and `{"method":…,"id":…,"params":…}`; both ends are looked at, and only at
 * the top level of the object (its first keys, or its very last one). Used by every reader that
 * drops oversized lines (the MCP server, the codex client) so a dropped request or answer can still be answered or failed.
 */
export interface OversizedLineIds {
  id: string | number | undefined;
  method: string | undefined;
}

const ID_AT_END = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,256}")\s*\}\s*$/;
const ID_AT_START = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?(?:"method"\s*:\s*"[^"\\]{1,128}"\s*,\s*)?"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,256}")/;
const METHOD_AT_START = /^\s*\{(?:\s*"(?:jsonrpc|id)"\s*:\s*(?:"[^"]*"|-?\d+)\s*,)*\s*"method"\s*:\s*"([^"\\]{1,128})"/;

export function identifyOversizedLine(head: string, tail: string): OversizedLineIds {
  const idText = ID_AT_END.exec(tail)?.[1] ?? ID_AT_START.exec(head)?.[1];
  let id: string | number | undefined;
  if (idText !== undefined) {
    try {
      const parsed = JSON.parse(idText) as unknown;
      if (typeof parsed === 'string' || typeof parsed === 'number') id = parsed;
    } catch {
      id = undefined;
    }
  }
  return { id, method: METHOD_AT_START.exec(head)?.[1] };
}
