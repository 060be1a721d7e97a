import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDaemon, stopDaemon } from '../../src/client/client.js';
import { resolvePaths } from '../../src/control/paths.js';
import { DispatchError } from '../../src/shared/errors.js';

/** A stand-in for an older dispatchd: answers hello with another version, obeys shutdown. */
function fakeOldDaemon(socketPath: string, busyLanes: number, pid: number, onShutdown: () => void): net.Server {
  const server = net.createServer((socket) => {
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const message = JSON.parse(buffer.slice(0, nl)) as { id: number; method: string };
        buffer = buffer.slice(nl + 1);
        const result = message.method === 'hello' ? { protocol: 1, version: '0.0.1-old', pid, op_hashes: {}, busy_lanes: busyLanes } : {};
        socket.write(`${JSON.stringify({ id: message.id, result })}\n`);
        if (message.method === 'shutdown') onShutdown();
      }
    });
  });
  server.listen(socketPath);
  return server;
}

describe('daemon version skew', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function home() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dsp-skew-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return resolvePaths({ DISPATCH_HOME: dir });
  }

  it('refuses a busy daemon of another version and names the recovery command', async () => {
    const paths = home();
    const server = fakeOldDaemon(paths.socket, 2, process.pid, () => undefined);
    cleanups.push(() => void server.close());
    const error = await ensureDaemon(paths, { autoStart: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect((error as DispatchError).code).toBe('version_skew');
    expect((error as DispatchError).exitCode).toBe(8);
    expect((error as DispatchError).message).toContain('dispatch down && dispatch up');
  });

  it('restarts an idle daemon of another version', async () => {
    const paths = home();
    // The "old daemon" process: a sleeper that exits when asked to shut down.
    const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const server = fakeOldDaemon(paths.socket, 0, sleeper.pid ?? 0, () => {
      server.close();
      sleeper.kill('SIGTERM');
    });
    cleanups.push(() => void sleeper.kill('SIGKILL'));
    const client = await ensureDaemon(paths, { autoStart: true, mode: 'simulated', env: { ...process.env, DISPATCH_HOME: path.dirname(paths.socket), DISPATCH_SOCKET: '' } });
    cleanups.push(async () => {
      await stopDaemon(paths, client);
    });
    expect(client.hello.version).not.toBe('0.0.1-old');
    expect(client.hello.pid).not.toBe(sleeper.pid);
    expect(client.matchesLocalBuild).toBe(true);
  }, 30_000);
});
