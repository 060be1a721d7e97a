import { expect, it } from 'vitest';
import type { Mail } from '../../src/core/fleet.js';
import { openPgFleet, type PgFleet } from '../../src/fleet/pgFleet.js';
import { createTestDatabase } from '../helpers/postgres.js';

const MAIL = 600;
const REPORTERS = 6;

// Sequence values are taken before commit: without serialising them, a report could commit with a
// version below one the sender already read past, and the sender's mirror would never see it.
it('a sender reading changedSince while reports commit concurrently misses none of them', async () => {
  const url = await createTestDatabase();
  const fleets: PgFleet[] = [];
  const open = async (): Promise<PgFleet> => {
    const fleet = await openPgFleet(url);
    fleets.push(fleet);
    return fleet;
  };
  try {
    const sender = await open();
    for (let start = 0; start < MAIL; start += 30) await Promise.all(Array.from({ length: 30 }, (_, i) => sender.post({ sender: 'alpha', senderRef: start + i + 1, target: 'bravo', lane: '@w', body: { kind: 'send', mode: 'send', text: 'x' } })));
    const claimed: Mail[] = [];
    for (let got = await sender.claim('bravo', 100); got.length > 0; got = await sender.claim('bravo', 100)) claimed.push(...got);
    expect(claimed).toHaveLength(MAIL);

    const seen = new Map<number, Mail>();
    let cursor = (await sender.changedSince('alpha', 0, MAIL * 2)).reduce((v, m) => Math.max(v, m.version), 0);
    let reporting = true;
    const reader = (async () => {
      const mirror = await open();
      for (;;) {
        const done = !reporting;
        for (let page = await mirror.changedSince('alpha', cursor, 50); page.length > 0; page = await mirror.changedSince('alpha', cursor, 50)) {
          for (const mail of page) seen.set(mail.id, mail);
          cursor = page.at(-1)?.version ?? cursor;
        }
        if (done) return;
      }
    })();
    const reporters = await Promise.all(Array.from({ length: REPORTERS }, () => open()));
    await Promise.all(
      reporters.map(async (reporter, r) => {
        for (let i = r; i < claimed.length; i += REPORTERS) {
          const mail = claimed[i];
          if (mail !== undefined) await reporter.report(mail.id, 'bravo', { receipt: mail.id, receiptState: 'completed', done: true });
        }
      }),
    );
    reporting = false;
    await reader;
    const missed = claimed.filter((m) => seen.get(m.id)?.state !== 'done').map((m) => m.id);
    expect(missed).toEqual([]);
  } finally {
    await Promise.all(fleets.map((f) => f.close()));
  }
}, 60_000);
