import { MAX_TEXT_CHARS } from '../../contracts/limits.js';
import { DispatchError } from '../../shared/errors.js';

/** The spelling that reads a text from stdin, as `send LANE -` or `--text-file -`. */
export const STDIN = '-';

// UTF-8 spends at most 4 bytes per character: a longer file is over the limit without reading it.
const MAX_TEXT_BYTES = MAX_TEXT_CHARS * 4;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('reading the text from stdin (end it with Ctrl-D)\n');
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_TEXT_BYTES) throw tooBig('stdin', bytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readTextFile(path: string): Promise<string> {
  let handle;
  try {
    // fs/promises is loaded only here: most commands read no file.
    const { open } = await import('node:fs/promises');
    handle = await open(path, 'r');
  } catch (error) {
    throw new DispatchError('usage', `--text-file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_TEXT_BYTES) throw tooBig(path, size);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

function tooBig(where: string, bytes: number): DispatchError {
  return new DispatchError('validation', `text: ${where} holds ${bytes} bytes, more than the ${MAX_TEXT_CHARS} characters codex accepts`, {
    data: { max_chars: MAX_TEXT_CHARS },
  });
}

/**
 * Fills `text` from `--text-file PATH` or from stdin (`-`), so a long brief never meets the
 * shell's argument limit. The daemon still checks the length, as for every surface.
 */
export async function resolveText(input: Record<string, unknown>, textFile: string | undefined, required: boolean): Promise<void> {
  if (textFile !== undefined) {
    if (input['text'] !== undefined) throw new DispatchError('usage', 'give the text once: as an argument, --text, or --text-file');
    input['text'] = textFile === STDIN ? await readStdin() : await readTextFile(textFile);
  } else if (input['text'] === STDIN) {
    input['text'] = await readStdin();
  } else if (required && input['text'] === undefined) {
    throw new DispatchError('usage', `give the text as an argument, ${STDIN} to read stdin, or --text-file PATH`);
  }
}
