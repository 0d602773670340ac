/** The events chat publishes, with their payloads: what other subgraphs may know of chat. */
export type ChatEvents = {
  /**
   * A message was stored; `recipientIds` are the other members at that moment. `attachmentIds` are
   * drive files the sender asked to attach: drive checks them and answers with
   * `drive.attachments.checked`.
   */
  'chat.message.sent': {
    messageId: string;
    conversationId: string;
    senderId: string;
    recipientIds: string[];
    excerpt: string;
    attachmentIds: string[];
    /** Usernames it mentions (`@name`), lower-case, each once; absent from events sent before mentions were read. */
    mentions?: string[];
  };
  /** A message was deleted: what it attached is no longer shared through it. */
  'chat.message.deleted': { messageId: string; conversationId: string };
  /** Who is in a conversation now (drive lets members download its attachments). */
  'chat.members.changed': { conversationId: string; memberIds: string[] };
  /**
   * Messages in a conversation that these members' devices have not received for a while (they
   * are not connected): one event per burst, each member counted once until they catch up.
   */
  'chat.messages.missed': {
    conversationId: string;
    /** The group's title; null for a direct conversation. */
    title: string | null;
    lastMessageId: string;
    lastSenderId: string;
    excerpt: string;
    recipients: { userId: string; count: number }[];
  };
  /** Live: something happened in a conversation, for these members' `chatEvent` subscriptions. */
  'chat.event': { id: string; conversationId: string; recipientIds: string[] };
};

/** A `ChatEvent` as the `chatEvent` lookup would return it, ids only: the same for every member. */
export interface ChatEventSnapshot {
  id: string;
  kind: string;
  conversation: { id: string };
  message: { id: string } | null;
  user: { id: string } | null;
}

/** Live-only signals: sent at once, never stored, heard only by those listening at that moment. */
export type ChatSignals = {
  /**
   * Someone is typing, for these members' `chatEvent` subscriptions; `snapshot` is the answer itself
   * (`@live(inline:)`).
   */
  'chat.event': ChatEvents['chat.event'] & { snapshot: ChatEventSnapshot };
};
