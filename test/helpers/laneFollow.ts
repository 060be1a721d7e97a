import { spawn } from 'node:child_process';
import { DISPATCH_BIN, pollUntil, type DispatchHarness } from './dispatchHarness.js';

/**
 * Starts `dispatch lane follow <lane> --until-idle --json` and resolves once it is subscribed:
 * follow prints nothing until its subscription sees an event, and a paused goal is one that starts
 * no turn (the goal is cleared again before returning). `exited` resolves with its exit code.
 */
export async function followLane(h: DispatchHarness, lane: string): Promise<{ exited: Promise<number | null>; stdout: () => string; stderr: () => string }> {
  const follow = spawn(process.execPath, [DISPATCH_BIN, 'lane', 'follow', lane, '--until-idle', '--timeout', '30', '--json'], { env: h.env, cwd: h.workspace });
  let stdout = '';
  let stderr = '';
  follow.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  follow.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => follow.on('exit', resolve));
  await pollUntil(
    async () => {
      await h.ok(['goal', 'set', lane, `be ${lane}`, '--status', 'paused']);
      return stdout;
    },
    (out) => out.includes('"goalUpdated"'),
    'lane follow subscribing',
    15_000,
  );
  await h.ok(['goal', 'clear', lane, '--yes']);
  return { exited, stdout: () => stdout, stderr: () => stderr };
}
