/** The events drive publishes, with their payloads: what other subgraphs may know of drive. */
export type DriveEvents = {
  /** The answer to `chat.message.sent`'s attachments: which files the conversation's members may now download. */
  'drive.attachments.checked': { messageId: string; conversationId: string; accepted: string[]; refused: string[] };
  /**
   * The answer to a new return request's photos (`marketplace.return.changed`): which of them the order's seller may
   * now see.
   */
  'drive.return_photos.checked': { returnRequestId: string; accepted: string[]; refused: string[] };
  /**
   * The answer to `learning.video.source_requested`: the file's current bytes (`source`), when the file is the
   * requester's own, uploaded and not in the trash; otherwise `source` is null and `refusal` says why.
   */
  'drive.video_source.checked': {
    jobId: string;
    lectureId: string;
    fileId: string;
    source: { storageKey: string; size: number; mimeType: string; name: string } | null;
    refusal: string | null;
  };
  'drive.file.shared': { fileId: string; ownerId: string; userId: string; role: 'VIEWER' | 'EDITOR'; name: string };
  /**
   * A file got a version: an upload, or an object another domain stored (a certificate, a recording). `mimeType` is
   * the file's type from now on, `previousMimeType` its type before (null for a new file).
   */
  'drive.file.version_added': {
    fileId: string;
    versionId: string;
    ownerId: string;
    uploadedBy: string;
    number: number;
    size: number;
    mimeType: string;
    previousMimeType: string | null;
  };
  /** Trashed files went for good, with every version: `bytes` freed and `versions` removed per file. */
  'drive.files.purged': {
    files: { fileId: string; ownerId: string; mimeType: string; bytes: number; versions: number }[];
  };
};
