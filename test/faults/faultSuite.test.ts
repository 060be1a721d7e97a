import { describe, expect, it } from 'vitest';
import { runFaults } from '../helpers/faultRun.js';

/**
 * Defect 2 (issue 9): a receipt whose turn reached codex is marked `failed` after a crash (of dispatchd;
 * the fault run also sees it, more rarely, after an app-server SIGKILL), even
 * when the agent's complete reply is in the thread's history. Until its fix is merged this test
 * asserts that every mislabelled receipt is of that one kind (and prints them); set it to true
 * with the fix, and the check is strict: none mislabelled.
 */
const DEFECT_2_FIXED = false;

// The small fault run of `npm test`; `npm run faults -- --scale 100` is the large one.
describe('fault suite (small scale)', () => {
  it('loses, doubles, reorders and mislabels nothing through SIGKILLs of the app-server and the daemon', async () => {
    const report = await runFaults({ scale: 7, lanes: 4, log: (line) => console.log(line) });
    console.log(`fault run: ${JSON.stringify({ seed: report.seed, messages: report.messages, kills: report.kills, byState: report.byState, mislabelled: report.mislabelled, failedAfterReaching: report.failedAfterReaching.length })}`);
    expect(Object.values(report.kills).every((n) => n > 0), JSON.stringify(report.kills)).toBe(true);
    expect(report.lost, `seed ${report.seed}`).toEqual([]);
    expect(report.duplicated, `seed ${report.seed}`).toEqual([]);
    expect(report.orderViolations, `seed ${report.seed}`).toEqual([]);
    expect(report.integrity.filter((i) => i.result !== 'ok')).toEqual([]);
    const defect2 = (f: { state: string | null; detail: string }): boolean => f.state === 'failed' && f.detail.includes('complete reply');
    expect(report.mislabelled.filter((f) => DEFECT_2_FIXED || !defect2(f)), `seed ${report.seed}`).toEqual([]);
  }, 85_000);
});
