/**
 * The events chat publishes: its public contract. Other subgraphs may `import type` this file and
 * nothing else from chat.
 */
export type ChatEvents = {
  /** A message was stored; `recipientIds` are the other members at that moment. */
  'chat.message.sent': { messageId: string; conversationId: string; senderId: string; recipientIds: string[]; excerpt: string };
  /** Live: something happened in a conversation, for these members' `chatEvent` subscriptions. */
  'chat.event': { id: string; conversationId: string; recipientIds: string[] };
};
