import { describe, expect, it } from 'vitest';
import type { CodexBinary } from '../../src/codex/binary.js';
import { codexEnvironment } from '../../src/codex/process.js';

const binary: CodexBinary = { path: '/opt/codex', source: 'env' };

describe('codexEnvironment', () => {
  const parent = {
    PATH: '/usr/bin',
    HTTPS_PROXY: 'http://proxy:3128',
    NO_PROXY: 'localhost',
    JAVA_HOME: '/opt/java',
    AZURE_OPENAI_API_KEY: 'azure-key',
    DISPATCH_HOME: '/home/u/.dispatch',
    DISPATCH_CODEX_BIN: '/opt/codex',
    DISPATCH_FAILPOINT: 'x',
    CODEX_HOME: '/somewhere/else',
  };

  it('passes the whole parent environment except DISPATCH_*, with CODEX_HOME set explicitly', () => {
    const env = codexEnvironment(binary, { codexHome: '/codex', parent });
    expect(env).toEqual({ PATH: '/usr/bin', HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost', JAVA_HOME: '/opt/java', AZURE_OPENAI_API_KEY: 'azure-key', CODEX_HOME: '/codex' });
  });

  it('applies extras last: a value wins, undefined removes the variable', () => {
    const env = codexEnvironment(binary, { codexHome: '/codex', parent: { ...parent, OPENAI_API_KEY: 'real' }, extra: { OPENAI_API_KEY: undefined, DISPATCH_SIM_API_KEY: 'sim' } });
    expect(env['OPENAI_API_KEY']).toBeUndefined();
    expect(env['DISPATCH_SIM_API_KEY']).toBe('sim');
  });
});
