import { ensureDaemon, type DaemonClient } from '../../client/client.js';
import { resolvePaths } from '../../control/paths.js';

let client: DaemonClient | undefined;

/** The daemon connection for this command, starting the daemon when it is not running. */
export async function daemonClient(): Promise<DaemonClient> {
  if (!client) {
    client = await ensureDaemon(resolvePaths(), { autoStart: process.env['DISPATCH_NO_AUTOSTART'] !== '1' });
  }
  return client;
}

export async function closeDaemonClient(): Promise<void> {
  await client?.close().catch(() => undefined);
  client = undefined;
}
