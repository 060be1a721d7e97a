import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../src/client/client.js';
import { resolvePaths } from '../../src/control/paths.js';
import { CONTROL_LIMITS } from '../../src/daemon/controlLimits.js';
import { ERROR_TABLE } from '../../src/shared/errors.js';
import { pollUntil, startDispatchHarness, type DispatchHarness } from '../helpers/dispatchHarness.js';
import { memoryOf, RawControl, sendUnterminated } from '../helpers/rawControl.js';

/** The daemon log's lines (pino JSON) with this message. */
function logged(home: string, message: string): Array<Record<string, unknown>> {
  return readFileSync(resolvePaths({ DISPATCH_HOME: home }).log, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"msg":"${message}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('control socket limits and typed refusals', () => {
  let h: DispatchHarness;
  let socketPath: string;
  let daemonPid: number;
  beforeAll(async () => {
    h = await startDispatchHarness();
    socketPath = resolvePaths({ DISPATCH_HOME: h.home }).socket;
    const probe = await RawControl.open(socketPath);
    daemonPid = ((await probe.hello()).result as { pid: number }).pid;
    probe.close();
  }, 60_000);
  afterAll(async () => h?.close());

  it('refuses call, subscribe and shutdown before hello with a typed protocol error, and stays up', async () => {
    const client = await RawControl.open(socketPath);
    try {
      for (const method of ['call', 'subscribe', 'shutdown']) {
        const answer = await client.request(method, method === 'call' ? { op: 'lane.list', input: {}, input_hash: 'x', cwd: '/' } : {});
        expect(answer.error?.data?.['code'], method).toBe('protocol');
        expect(answer.error?.code).toBe(ERROR_TABLE.protocol.rpc);
      }
      await client.hello();
    } finally {
      client.close();
    }
    expect((await h.ok<{ lanes: unknown[] }>(['lane', 'list', '--json'])).lanes).toEqual([]);
  });

  it('answers an unknown method with a typed not_found, and ops named after Object members as unknown ops', async () => {
    const client = await RawControl.open(socketPath);
    try {
      await client.hello();
      const unknown = await client.request('frobnicate', {});
      expect(unknown.error?.data?.['code']).toBe('not_found');
      expect(unknown.error?.data?.['method']).toBe('frobnicate');
      for (const op of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
        const answer = await client.request('call', { op, input: {}, input_hash: 'not-a-hash', cwd: '/' });
        expect(answer.error?.data?.['code'], op).toBe('not_found');
      }
    } finally {
      client.close();
    }
  });

  it('reports ops named after Object members as unknown through the daemon client too', async () => {
    const client = await DaemonClient.connect(socketPath);
    try {
      for (const op of ['toString', '__proto__', 'constructor', 'valueOf']) {
        await expect(client.call(op, {}), op).rejects.toMatchObject({ code: 'not_found' });
      }
      expect(await client.call<{ lanes: unknown[] }>('lane.list', {})).toMatchObject({ lanes: [] });
    } finally {
      await client.close();
    }
  });

  it('closes a connection that does not say hello in time, with a typed error', { timeout: 40_000 }, async () => {
    const client = await RawControl.open(socketPath);
    const started = Date.now();
    await client.until('the silent connection being closed', () => (client.closed ? true : undefined), CONTROL_LIMITS.helloTimeoutMs + 15_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(CONTROL_LIMITS.helloTimeoutMs - 100);
    expect(client.refusal()?.error?.data?.['code']).toBe('timeout');
  });

  it('refuses an unterminated line past the cap before it is all sent, and memory stays bounded', { timeout: 120_000 }, async () => {
    const before = memoryOf(daemonPid);
    const client = await RawControl.open(socketPath);
    await client.hello();
    const sent = await sendUnterminated(client, 100 * 1024 * 1024);
    await client.until('the oversized connection being closed', () => (client.closed ? true : undefined));
    expect(sent).toBeLessThan(100 * 1024 * 1024);
    expect(client.refusal()?.error?.data).toMatchObject({ code: 'limit_exceeded', limit: 'maxLineBytes' });
    // Before hello the cap is far lower: a peer that never said who it is cannot make the daemon hold much.
    const stranger = await RawControl.open(socketPath);
    const strangerSent = await sendUnterminated(stranger, 20 * 1024 * 1024);
    await stranger.until('the stranger being closed', () => (stranger.closed ? true : undefined));
    expect(strangerSent).toBeLessThan(20 * 1024 * 1024);
    expect(stranger.refusal()?.error?.data).toMatchObject({ code: 'limit_exceeded', limit: 'maxLineBytesBeforeHello' });
    // Generous bound: the daemon held at most one capped line, never the 100 MiB.
    expect(memoryOf(daemonPid).peak - before.now).toBeLessThan(60 * 1024 * 1024);
    expect((await h.ok<{ lanes: unknown[] }>(['lane', 'list', '--json'])).lanes).toEqual([]);
  });

  it('bounds unfinished lines across connections', { timeout: 120_000 }, async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => RawControl.open(socketPath)));
    try {
      for (const client of clients) await client.hello();
      // Each stays under the per-line cap; together they pass the global budget.
      const each = CONTROL_LIMITS.maxLineBytes - 1024 * 1024;
      for (const client of clients) await sendUnterminated(client, each);
      await pollUntil(
        async () => clients.filter((c) => c.closed).length,
        (closed) => closed >= 1,
        'a connection past the buffered-bytes budget being refused',
        20_000,
      );
      const refused = clients.filter((c) => c.closed);
      expect(refused[0]?.refusal()?.error?.data).toMatchObject({ code: 'limit_exceeded', limit: 'maxBufferedBytes' });
      expect(clients.length - refused.length).toBeGreaterThanOrEqual(Math.floor(CONTROL_LIMITS.maxBufferedBytes / each) - 1);
    } finally {
      for (const client of clients) client.close();
    }
  });

  it('refuses connections past the global limit and subscriptions past the per-connection limit', { timeout: 120_000 }, async () => {
    const clients: RawControl[] = [];
    try {
      // The harness's own CLI calls come and go; fill every slot with raw connections that said hello.
      for (let i = 0; i < CONTROL_LIMITS.maxConnections + 5; i++) clients.push(await RawControl.open(socketPath));
      const answers = await Promise.all(clients.map((c) => c.request('hello', { protocol: 1, version: 'test', op_hashes: {} })));
      const refused = answers.filter((a) => a.error !== undefined);
      expect(refused.length).toBeGreaterThanOrEqual(5);
      for (const answer of refused) expect(answer.error?.data).toMatchObject({ code: 'limit_exceeded', limit: 'maxConnections' });
      const accepted = clients.filter((_, i) => answers[i]?.error === undefined);
      expect(accepted.length).toBeLessThanOrEqual(CONTROL_LIMITS.maxConnections);
      for (const client of clients.filter((_, i) => answers[i]?.error !== undefined)) {
        await client.until('a refused connection being closed', () => (client.closed ? true : undefined));
      }

      const subscriber = accepted[0];
      if (!subscriber) throw new Error('no connection was accepted');
      for (let i = 0; i < CONTROL_LIMITS.maxSubscriptionsPerConnection; i++) {
        expect((await subscriber.request('subscribe', { subscription: `s${i}` })).error).toBeUndefined();
      }
      const over = await subscriber.request('subscribe', { subscription: 'one-too-many' });
      expect(over.error?.data).toMatchObject({ code: 'limit_exceeded', limit: 'maxSubscriptionsPerConnection' });
      // The connection itself stays usable; unsubscribing frees a slot.
      expect((await subscriber.request('unsubscribe', { subscription: 's0' })).error).toBeUndefined();
      expect((await subscriber.request('subscribe', { subscription: 'again' })).error).toBeUndefined();
    } finally {
      for (const client of clients) client.close();
    }
    // Slots come back once clients leave.
    await pollUntil(async () => (await h.run(['lane', 'list', '--json'])).code, (code) => code === 0, 'the CLI connecting again', 20_000);
  });

  it('rate-limits a flood of bad frames in the log, and keeps serving', { timeout: 60_000 }, async () => {
    const client = await RawControl.open(socketPath);
    try {
      await client.hello();
      client.write('this is not json\n'.repeat(3000));
      await client.until('every bad frame answered', () => (client.frames.filter((f) => f.id === null).length >= 3000 ? true : undefined), 40_000);
      expect((await client.request('frobnicate')).error?.data?.['code']).toBe('not_found');
    } finally {
      client.close();
    }
    expect(logged(h.home, 'control.bad_frame').length).toBeLessThanOrEqual(100);
  });
});
