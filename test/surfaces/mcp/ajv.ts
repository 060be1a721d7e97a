import { createRequire } from 'node:module';

/** The slice of Ajv 8's API these tests use. */
export interface JsonValidator {
  (data: unknown): boolean;
  errors?: ReadonlyArray<{ instancePath: string; message?: string }> | null;
}

interface Ajv2020Instance {
  compile(schema: object): JsonValidator;
}

type Ajv2020Class = new (options: Record<string, unknown>) => Ajv2020Instance;

/**
 * Ajv 8's draft 2020-12 validator. The top-level `ajv` in node_modules is eslint's Ajv 6, so it is
 * resolved from the MCP SDK's own dependency tree, which is the Ajv an SDK client validates with.
 */
export function createAjv2020(): Ajv2020Instance {
  const sdkRequire = createRequire(createRequire(import.meta.url).resolve('@modelcontextprotocol/sdk/server/index.js'));
  const mod = sdkRequire('ajv/dist/2020') as { default: Ajv2020Class };
  // strict mode: unknown keywords or ill-formed schemas fail the compile instead of being ignored (union types are valid JSON Schema).
  return new mod.default({ strict: true, allowUnionTypes: true, allErrors: true, validateFormats: false });
}

/** Ajv's errors as one line, for assertion messages. */
export function describeErrors(validate: JsonValidator): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
}
