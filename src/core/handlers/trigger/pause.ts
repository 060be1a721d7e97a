import type { Handler } from '../types.js';
import { setEnabled } from './shared.js';

export const handleTriggerPause: Handler<'trigger.pause'> = async (input, ctx) => setEnabled(ctx, input.id, false);
