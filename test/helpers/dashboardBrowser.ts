import { existsSync } from 'node:fs';
import http from 'node:http';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`); playwright never downloads a browser here. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium, or a failure that says how to get it (the browser tests never skip). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the dashboard's browser tests need Chromium at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` (.ci/run does)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly these headers (fetch would not let a test forge Host). */
export function rawRequest(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: unknown;
}

/**
 * Reads a dashboard event stream until `done` says so (or the deadline passes), then closes it:
 * what a browser's EventSource would have seen, with each event's id.
 */
export function readEventStream(port: number, headers: Record<string, string>, done: (events: SseEvent[]) => boolean, timeoutMs = 30_000): Promise<SseEvent[]> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    let buffer = '';
    const req = http.request({ host: '127.0.0.1', port, path: '/api/events', headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`the event stream answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue;
            fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          const data = fields.get('data');
          if (data === undefined) continue;
          events.push({ event: fields.get('event') ?? 'message', id: fields.get('id'), data: JSON.parse(data) });
          if (done(events)) {
            clearTimeout(timer);
            req.destroy();
            resolve(events);
            return;
          }
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`the event stream did not deliver what was awaited in ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => [e.event, e.id]))}`));
    }, timeoutMs);
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end();
  });
}
