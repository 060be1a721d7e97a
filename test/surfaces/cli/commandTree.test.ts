import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { processCommandSchema } from '../../../src/surfaces/cli/commandTree.js';

describe('processCommandSchema', () => {
  it('names a negated option by the boolean it sets false, true by default', () => {
    const command = new Command('dashboard').option('--no-open', 'only print the URL').option('--json', 'print {url, port}');
    const schema = processCommandSchema(command, 'dashboard') as { input: { properties: Record<string, unknown> } };
    expect(schema.input.properties['open']).toEqual({ type: 'boolean', default: true, description: '--no-open: only print the URL' });
    expect(Object.keys(schema.input.properties)).toEqual(['open', 'json']);
  });
});
