import type { BenchRow } from './report.js';

/** Fact-log throughput: a stub until the fact-log engineer's bench lands (the lead merges it). */
export const benchFacts = async (): Promise<BenchRow[]> => [];
