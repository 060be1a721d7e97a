import { readFileSync } from 'node:fs';
import type { CliRoute, Intent, OpContract, OpGroup } from './defineOp.js';
import type { FieldInfo } from './fields.js';

/**
 * What a thin client needs to know about every op — names, help, CLI routes, fields and input
 * hashes — as plain JSON written at build time next to the compiled contracts. The CLI reads it
 * instead of building every zod schema, which would cost more than the rest of a command.
 */
export interface OpManifestEntry {
  name: string;
  summary: string;
  group: OpGroup;
  intent: Intent;
  idempotent: boolean;
  cli: CliRoute | null;
  fields: FieldInfo[];
  inputHash: string;
}

export interface OpManifest {
  ops: OpManifestEntry[];
  /** Old op names and the op each now names (the registry's `opAliases`). */
  aliases: Record<string, string>;
}

/** From dist/contracts/ and from the CLI bundle in dist/cli/ alike (both two levels down). */
export const MANIFEST_FILE = new URL('../contracts/manifest.json', import.meta.url);

/** Builds the manifest from the contracts (loads zod); the build writes it, tests compare it. */
export async function buildManifest(): Promise<OpManifest> {
  const [{ opList, opAliases, inputSchemaHash }, { fieldsOf }] = await Promise.all([import('./index.js'), import('./fields.js')]);
  return {
    ops: opList.map((op: OpContract) => ({
      name: op.name,
      summary: op.summary,
      group: op.group,
      intent: op.intent,
      idempotent: op.idempotent,
      cli: op.cli,
      fields: fieldsOf(op.input),
      inputHash: inputSchemaHash(op),
    })),
    aliases: { ...opAliases },
  };
}

let cached: Promise<OpManifest> | undefined;

/** The manifest written by the build, or one built from the contracts when running from source. */
export function loadManifest(): Promise<OpManifest> {
  cached ??= (async () => {
    try {
      return JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as OpManifest;
    } catch {
      return buildManifest();
    }
  })();
  return cached;
}
