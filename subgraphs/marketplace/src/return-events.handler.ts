import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { DriveEvents } from '@peerlink/contracts/drive';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import type { ReturnRequestService } from './return-request.service.js';

/**
 * Drive's word on a return request's photos. (Payments' word on its refund arrives with the order's, in
 * payments-events.handler.)
 */
export function driveEventHandlers(returns: ReturnRequestService): EventHandlers<DriveEvents, MarketplaceEvents> {
  return {
    'drive.return_photos.checked': (check, { em }) => returns.applyPhotoCheck(em, check),
  };
}
