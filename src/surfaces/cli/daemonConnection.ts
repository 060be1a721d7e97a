import type { DaemonClient } from '../../daemon/client.js';
import { resolvePaths } from '../../daemon/paths.js';

let client: DaemonClient | undefined;

/** The daemon connection for this command, starting the daemon when it is not running. */
export async function daemonClient(): Promise<DaemonClient> {
  if (!client) {
    const { ensureDaemon } = await import('../../daemon/client.js');
    client = await ensureDaemon(resolvePaths(), { autoStart: process.env['DISPATCH_NO_AUTOSTART'] !== '1' });
  }
  return client;
}

export async function closeDaemonClient(): Promise<void> {
  await client?.close().catch(() => undefined);
  client = undefined;
}
