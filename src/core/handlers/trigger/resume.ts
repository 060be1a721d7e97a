import type { Handler } from '../types.js';
import { setEnabled } from './shared.js';

export const handleTriggerResume: Handler<'trigger.resume'> = async (input, ctx) => setEnabled(ctx, input.id, true);
