/** The events live-sessions publishes, with their payloads: what other subgraphs may know of calls and streams. */
export type LiveSessionEvents = {
  /**
   * A call started from a conversation rings its other members (`calleeIds`): chat shows it in the
   * conversation, notifications tells the callees.
   */
  'live-sessions.call.started': {
    sessionId: string;
    conversationId: string;
    callerId: string;
    calleeIds: string[];
    kind: 'CALL' | 'GROUP_CALL';
  };
  /**
   * A call from a conversation is over: ENDED after someone answered (with its length), MISSED when
   * nobody did before the ring timed out, DECLINED when every callee refused.
   */
  'live-sessions.call.ended': {
    sessionId: string;
    conversationId: string;
    callerId: string;
    calleeIds: string[];
    status: 'ENDED' | 'MISSED' | 'DECLINED';
    durationSeconds: number | null;
  };
  /** A live stream began: the host's followers hear of it (social knows who they are). */
  'live-sessions.stream.started': {
    sessionId: string;
    hostId: string;
    title: string;
    visibility: 'PUBLIC' | 'FOLLOWERS';
  };
  /**
   * A recording is stored at `storageKey`: drive keeps it as the host's private file `fileId`,
   * readable by `participantIds`.
   */
  'live-sessions.recording.ready': {
    recordingId: string;
    sessionId: string;
    hostId: string;
    participantIds: string[];
    fileId: string;
    fileName: string;
    storageKey: string;
    size: number;
    mimeType: string;
    /** SHA-256 of the bytes, hex, as drive keeps for every version. */
    checksum: string;
    durationSeconds: number;
  };
  /** Live: something happened in a session, for these participants' `sessionEvent` subscriptions. */
  'live-sessions.session.event': { id: string; sessionId: string; recipientIds: string[] };
};

/** A `SessionEvent` carrying a signal from the SFU, as the `sessionEventById` lookup would shape it. */
export interface SessionSignalSnapshot {
  id: string;
  kind: 'SIGNAL';
  session: { id: string };
  user: { id: string };
  signal: {
    kind: 'OFFER' | 'CANDIDATE';
    sdp: string | null;
    candidate: string | null;
    sdpMid: string | null;
    sdpMLineIndex: number | null;
  };
}

/** Live-only signals: sent at once, never stored, heard only by those listening at that moment. */
export type LiveSessionSignals = {
  /** An SDP offer or ICE candidate from the SFU for one participant (`recipientIds` is that one user). */
  'live-sessions.session.event': LiveSessionEvents['live-sessions.session.event'] & {
    snapshot: SessionSignalSnapshot;
  };
};
