import type { z } from 'zod';

/** What the CLI needs to know about one input field of an op. */
export interface FieldInfo {
  name: string;
  kind: 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'array' | 'other';
  required: boolean;
  description: string | undefined;
  defaultValue: unknown;
  choices?: readonly string[];
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  element?: z.ZodType;
  checks?: Array<{ _zod?: { def?: { check?: string; format?: string } } }>;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { def: Def }).def;

/** Reads a field's type through optional/default/nullable wrappers (descriptions may sit on any layer). */
export function fieldInfo(name: string, schema: z.ZodType): FieldInfo {
  let current: z.ZodType = schema;
  let description = current.description;
  let required = true;
  let defaultValue: unknown;
  for (;;) {
    const def = defOf(current);
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') {
      if (def.type !== 'nullable') required = false;
      if (def.type === 'default') defaultValue = def.defaultValue;
      current = def.innerType as z.ZodType;
      description ??= current.description;
      continue;
    }
    break;
  }
  const def = defOf(current);
  const base = { name, required, description, defaultValue };
  switch (def.type) {
    case 'string':
      return { ...base, kind: 'string' };
    case 'number': {
      const integer = (def.checks ?? []).some((c) => c._zod?.def?.format === 'safeint' || c._zod?.def?.check === 'number_format');
      return { ...base, kind: integer ? 'integer' : 'number' };
    }
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'enum':
      return { ...base, kind: 'enum', choices: (current as unknown as { options: string[] }).options };
    case 'array':
      return { ...base, kind: 'array' };
    default:
      return { ...base, kind: 'other' };
  }
}

export function fieldsOf(input: z.ZodObject): FieldInfo[] {
  return Object.entries(input.shape as Record<string, z.ZodType>).map(([name, schema]) => fieldInfo(name, schema));
}


