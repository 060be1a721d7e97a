import type { Handler } from '../types.js';
import { deliveryViewOf, getDelivery } from './shared.js';

export const handleDeliveryGet: Handler<'delivery.get'> = async (input, ctx) => deliveryViewOf(getDelivery(ctx, input.receipt));
