import type { z } from 'zod';
import type { OpName, Ops } from '../../contracts/index.js';
import type { OpContext } from '../context.js';

/** The implementation of one op: parsed input in, output (validated again by the executor) out. */
export type Handler<K extends OpName> = (input: z.output<Ops[K]['input']>, ctx: OpContext) => Promise<z.input<Ops[K]['output']>>;

export type HandlerMap = { [K in OpName]: Handler<K> };
