import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';

/**
 * How often a tool call that is still running tells a client that asked for progress (sent a
 * progressToken) that it is: a client created with `resetTimeoutOnProgress` then never times out
 * a long `lane.wait` or `lane.watch`. Well under the SDK's default request timeout of 60 s.
 */
export const PROGRESS_INTERVAL_MS = 5000;

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Resolves as `work` does; meanwhile, when the request carries a progressToken, a
 * `notifications/progress` goes out every `intervalMs` with the seconds waited as its progress.
 */
export async function withProgress<T>(extra: Extra, what: string, work: Promise<T>, intervalMs: number = PROGRESS_INTERVAL_MS): Promise<T> {
  const token = extra._meta?.progressToken;
  if (token === undefined) return work;
  const started = Date.now();
  const timer = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    extra
      .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: seconds, message: `${what}: still running after ${seconds} s` } })
      .catch(() => undefined);
  }, intervalMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
