import { describe, expect, it } from 'vitest';
import { runFaults } from '../helpers/faultRun.js';

// Defect 2 (issue 9) is fixed: a receipt's state must be true to the thread's history, strictly.

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
    expect(report.mislabelled, `seed ${report.seed}`).toEqual([]);
  }, 85_000);
});
