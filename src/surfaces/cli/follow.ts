import { isLaneEvent, type LaneEvent } from '../../control/protocol.js';
import type { DaemonClient } from '../../client/client.js';
import type { DispatchError } from '../../shared/errors.js';
import { dim } from './render.js';

type Write = (text: string) => void;

/** One line (or fragment) of human output per lane event; deltas stream inline. */
export function renderEvent(event: LaneEvent, write: Write, state: { inMessage: boolean }): void {
  const endMessage = (): void => {
    if (state.inMessage) write('\n');
    state.inMessage = false;
  };
  switch (event.type) {
    case 'turnStarted':
      endMessage();
      write(dim(`── turn ${event.turnId} started\n`));
      return;
    case 'agentMessageDelta':
      state.inMessage = true;
      write(event.delta);
      return;
    case 'itemCompleted':
      if (event.item.type === 'commandExecution') {
        endMessage();
        write(`$ ${event.item.command ?? ''}${event.item.exitCode === undefined || event.item.exitCode === null ? '' : `  (exit ${event.item.exitCode})`}\n`);
      } else if (event.item.type === 'fileChange') {
        endMessage();
        write(`± ${(event.item.paths ?? []).join(', ')} (${event.item.status ?? ''})\n`);
      } else if (event.item.type === 'agentMessage' && !state.inMessage && event.item.text) {
        write(`${event.item.text}\n`);
      } else if (event.item.type === 'agentMessage') {
        endMessage();
      }
      return;
    case 'approvalRequested':
      endMessage();
      write(
        event.question === undefined
          ? `? ${event.kind} approval requested${event.command ? `: ${event.command}` : ''} — answer with \`dispatch request list\` / \`request respond\`\n`
          : `? ${event.kind === 'userInput' ? 'the agent asks' : 'an MCP server asks'}: ${event.question} — answer with \`dispatch request list\` / \`request respond ID --answer …\`\n`,
      );
      return;
    case 'turnError':
      endMessage();
      write(`! ${event.error.message}\n`);
      return;
    case 'turnCompleted':
      endMessage();
      write(dim(`── turn ${event.turnId} ${event.outcome}${event.error ? `: ${event.error.message}` : ''}\n`));
      return;
    default:
      return;
  }
}

/**
 * Streams a lane's live events pushed by the daemon until the lane's turn ends (`untilIdle`),
 * the timeout passes, or the user interrupts. JSON mode prints one event per line (NDJSON).
 */
export async function followLane(client: DaemonClient, lane: string, options: { json: boolean; untilIdle: boolean; timeoutSeconds?: number }): Promise<void> {
  const write: Write = (text) => void process.stdout.write(text);
  const state = { inMessage: false };
  let done = false;
  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      done = true;
      if (timer) clearTimeout(timer);
      process.off('SIGINT', finish);
      resolve();
    };
    process.once('SIGINT', finish);
    if (options.timeoutSeconds !== undefined) timer = setTimeout(finish, options.timeoutSeconds * 1000);
    client.onClose(finish);
    // The daemon ended the subscription (this follower read too slowly): say why, before its EOF.
    const fail = (error: DispatchError): void => {
      done = true;
      if (timer) clearTimeout(timer);
      process.off('SIGINT', finish);
      if (state.inMessage) write('\n');
      reject(error);
    };
    client
      .subscribe(
        { lanes: [lane] },
        ({ event }) => {
          // A lane's live stream is what codex reports on it; `events` shows dispatch's own facts too.
          if (done || !isLaneEvent(event)) return;
          if (options.json) write(`${JSON.stringify(event)}\n`);
          else renderEvent(event, write, state);
          if (options.untilIdle && event.type === 'turnCompleted') finish();
        },
        fail,
      )
      .catch(reject);
  });
  if (state.inMessage) write('\n');
}
