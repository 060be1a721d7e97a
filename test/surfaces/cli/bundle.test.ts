import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOADER = fileURLToPath(new URL('../../../bin/cliBundle.js', import.meta.url));

// bin/cliBundle.js compiles dist/cli/main.cjs with the V8 code cache the build wrote. V8 drops a
// cache it rejects without a word, and every command then starts slower: check it is accepted,
// in a plain node process like the one `dispatch` runs in.
describe('the CLI bundle', () => {
  it('has a code cache this node accepts', () => {
    const accepted = execFileSync(process.execPath, ['-p', `require(${JSON.stringify(LOADER)}).codeCacheAccepted()`], { encoding: 'utf8' });
    expect(accepted.trim()).toBe('true');
  });
});
