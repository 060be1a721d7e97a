import type { AppServerInfo, RateLimitObservation } from '../core/ports.js';
import type { CodexBinary } from './binary.js';
import { CodexClient } from './client.js';
import { rateLimitsOf } from './events.js';

export type CodexAccount = NonNullable<AppServerInfo['account']>;

/** codex's `account/read`: the account type (null when none) and whether the provider needs OpenAI auth. */
export async function readAccount(client: CodexClient): Promise<CodexAccount> {
  const read = await client.request('account/read', { refreshToken: false }, { timeoutMs: 10_000 });
  return { type: read.account?.type ?? null, requiresOpenaiAuth: read.requiresOpenaiAuth };
}

/** codex's `account/rateLimits/read` (answered for a ChatGPT login only): the account's windows now. */
export async function readRateLimits(client: CodexClient): Promise<RateLimitObservation[]> {
  const read = await client.request('account/rateLimits/read', { excludeResetCreditDetails: true }, { timeoutMs: 10_000 });
  return rateLimitsOf(read);
}

/** No account while the provider requires OpenAI auth: no turn can reach the provider. */
export const isLoggedIn = (account: CodexAccount): boolean => account.type !== null || !account.requiresOpenaiAuth;

/** Starts a throwaway app-server on `codexHome` just to read its account (doctor, with no daemon needed). */
export async function probeAccount(binary: CodexBinary, codexHome: string): Promise<CodexAccount> {
  const client = await CodexClient.spawn({ binary, codexHome });
  try {
    return await readAccount(client);
  } finally {
    await client.close();
  }
}
