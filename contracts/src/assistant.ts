/**
 * The assistant's own account (identity creates it; nobody can sign in as it): its answers in chat are messages
 * from this user, `@assistant` mentions it.
 */
export const ASSISTANT_USER_ID = '01a20000-0000-7000-8000-00000000b075';
export const ASSISTANT_USERNAME = 'assistant';

/** The events the assistant publishes, with their payloads. */
export type AssistantEvents = {
  /**
   * Someone asked a bot something (`threadId`): identity records it in their activity log. Only the
   * fact, never the question's text.
   */
  'assistant.question.asked': { userId: string; threadId: string; messageId: string; bot: string; at: string };
  /**
   * An answer to a member who mentioned the assistant in a conversation: chat posts it there as a message from
   * the assistant's account, if `askedBy` is still a member. `answerId` names it once.
   */
  'assistant.chat.answered': {
    answerId: string;
    conversationId: string;
    questionMessageId: string;
    askedBy: string;
    body: string;
  };
  /** Live: a reply finished (COMPLETE) or failed (FAILED), for the thread owner's `assistantReply`. */
  'assistant.reply.event': { id: string; threadId: string; recipientIds: string[] };
};

/**
 * An `AssistantReplyEvent` carrying a streamed piece of a reply, as the lookup would shape it (it cannot: never
 * stored).
 */
export interface AssistantDeltaSnapshot {
  id: string;
  kind: 'DELTA';
  threadId: string;
  delta: string;
  index: number;
  message: { id: string; status: 'STREAMING' };
}

/** Live-only signals: sent at once, never stored, heard only by those listening at that moment. */
export type AssistantSignals = {
  /** A piece of a reply being written, for the thread owner alone. */
  'assistant.reply.event': AssistantEvents['assistant.reply.event'] & { snapshot: AssistantDeltaSnapshot };
};
