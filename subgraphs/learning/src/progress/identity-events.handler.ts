import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { LearningEvents } from '@peerlink/contracts/learning';
import { saveIfNewer } from '@peerlink/platform/db/sql';
import type { EventHandlers, HandlerContext } from '@peerlink/platform/events/consumer';

/** Display names, kept from identity's events (learning never reads identity's tables): certificates name people. */
export function identityEventHandlers(): EventHandlers<IdentityEvents, LearningEvents> {
  const remember = (
    { userId, displayName }: { userId: string; displayName: string },
    { em, event }: HandlerContext<LearningEvents>,
  ) =>
    saveIfNewer(em, 'learners', { key: { user_id: userId }, values: { display_name: displayName }, eventId: event.id });
  return { 'identity.user.registered': remember, 'identity.user.updated': remember };
}
