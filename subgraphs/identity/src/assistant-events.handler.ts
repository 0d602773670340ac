import type { AssistantEvents } from '@peerlink/contracts/assistant';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { ActivityService } from './activity.service.js';

/**
 * Every question to a bot goes in the asker's activity log. A redelivered event records nothing twice: the
 * platform's inbox (consumer.ts) runs each event id once.
 */
export function assistantEventHandlers(activity: ActivityService): EventHandlers<AssistantEvents, IdentityEvents> {
  return {
    'assistant.question.asked': async (question, { em }) => activity.recordQuestion(em, question),
  };
}
