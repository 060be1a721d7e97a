/** One SSE frame as received, with the time it arrived. */
export interface SseEvent {
  event: string | undefined;
  data: Record<string, unknown> & { type: string };
  atMs: number;
}

/** A minimal Responses request body, shaped like codex's. */
export function responsesBody(input: unknown[]): Record<string, unknown> {
  return { model: 'dispatch-sim', stream: true, input };
}

/** A user message item as codex puts it in `input`. */
export function userMessage(text: string): Record<string, unknown> {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

/** POSTs a Responses request to the simulator. */
export function postResponses(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

/** Reads an SSE body to its end, stamping each frame with its arrival time. */
export async function readSse(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  if (!response.body) return events;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event: string | undefined;
      let data = '';
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      events.push({ event, data: JSON.parse(data) as SseEvent['data'], atMs: performance.now() });
      end = buffer.indexOf('\n\n');
    }
  }
  return events;
}

/** The `type`s of a list of events, in order. */
export function types(events: SseEvent[]): string[] {
  return events.map((e) => e.data.type);
}
