/** The events drive publishes, with their payloads: what other subgraphs may know of drive. */
export type DriveEvents = {
  /** The answer to `chat.message.sent`'s attachments: which files the conversation's members may now download. */
  'drive.attachments.checked': { messageId: string; conversationId: string; accepted: string[]; refused: string[] };
  /**
   * The answer to a new return request's photos (`marketplace.return.changed`): which of them the order's seller may
   * now see.
   */
  'drive.return_photos.checked': { returnRequestId: string; accepted: string[]; refused: string[] };
  'drive.file.shared': { fileId: string; ownerId: string; userId: string; role: 'VIEWER' | 'EDITOR'; name: string };
};
