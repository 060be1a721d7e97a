import { createRequire } from 'node:module';
import type net from 'node:net';
import { DispatchError } from '../shared/errors.js';

/** Who is at the other end of a Unix socket, as the kernel says (SO_PEERCRED / getpeereid). */
export interface PeerCredentials {
  uid: number;
  gid: number;
  /** -1 where the OS does not report it. */
  pid: number;
}

interface PeerCredAddon {
  peerCredentials(fd: number): PeerCredentials;
}

/** build/Release/peercred.node, built from native/peercred.c by `npm ci` (node-gyp); found from dist/daemon/ and src/daemon/ alike. */
const ADDON = '../../build/Release/peercred.node';

let addon: PeerCredAddon | undefined;

/** Loads the addon; a missing build is an error, never a reason to skip the check. */
export function loadPeerCredentials(): PeerCredAddon {
  if (addon) return addon;
  try {
    addon = createRequire(import.meta.url)(ADDON) as PeerCredAddon;
    return addon;
  } catch (cause) {
    throw new DispatchError('internal', `the peer-credential addon is not built (${(cause as Error).message}); run \`npm rebuild\` or \`npm run install\` in the dispatch checkout`, { cause });
  }
}

/** The peer of an accepted Unix-socket connection; throws when the kernel cannot say. */
export function peerCredentials(socket: net.Socket): PeerCredentials {
  // net.Socket keeps its libuv handle private; on Unix its `fd` is the connected descriptor.
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new DispatchError('internal', 'the control connection has no file descriptor to read the peer from');
  return loadPeerCredentials().peerCredentials(fd);
}
