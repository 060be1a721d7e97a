import { laneRefOf, resolveLane, toHandle } from '../../lanes.js';
import type { Handler } from '../types.js';
import { renameLane } from './shared.js';

export const handleLaneRename: Handler<'lane.rename'> = async (input, ctx) =>
  laneRefOf(await renameLane(ctx, resolveLane(ctx.store, input.lane), toHandle(input.name)));
