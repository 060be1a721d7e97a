/**
 * The longest message text codex accepts, in characters (Unicode code points). codex 0.171.0
 * refuses a longer `turn/start` input with "Input exceeds the maximum length of 1048576
 * characters" (`input_too_large`); test/integration/inputLimit.test.ts pins it to the binary.
 * Kept free of zod so the CLI can read it without loading the contracts.
 */
export const MAX_TEXT_CHARS = 1_048_576;

/** Characters as codex counts them: code points, so an emoji is one, not two UTF-16 units. */
export function textChars(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

export function textTooLongMessage(chars: number | string): string {
  return `is ${chars} characters; codex accepts at most ${MAX_TEXT_CHARS} (1 MiB of characters)`;
}
