import { renderHuman } from './render.js';

/** JSON when asked, or when stdout is not a terminal (pipes and scripts never get tables). */
export function wantsJson(flag: boolean): boolean {
  return flag || !process.stdout.isTTY;
}

export function printResult(result: unknown, json: boolean): void {
  process.stdout.write(`${wantsJson(json) ? JSON.stringify(result, null, 2) : renderHuman(result)}\n`);
}
