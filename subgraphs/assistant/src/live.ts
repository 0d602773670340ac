import type { AssistantEvents, AssistantSignals } from '@peerlink/contracts/assistant';
import { notFound } from '@peerlink/platform/errors';
import type { Publish } from '@peerlink/platform/events/outbox';
import type { Signal } from '@peerlink/platform/events/signals';
import { VIEWER_INDEPENDENT } from '@peerlink/platform/graphql/live';
import { isUuid, uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AssistantMessage } from './thread.entity.js';

export enum ReplyEventKind {
  /**
   * The thread's latest reply as it is when you subscribed (with `current: true`): `delta` holds its text so far
   * and `index` how many deltas that is, so take the DELTAs from that index on.
   */
  CURRENT = 'CURRENT',
  /** The next piece of a reply being written: append `delta`. Never stored. */
  DELTA = 'DELTA',
  /** The reply is written: `message` holds all of it. */
  COMPLETE = 'COMPLETE',
  /** The reply failed (`message.errorCode`); the question is kept: retryAssistantReply asks again. */
  FAILED = 'FAILED',
}
registerEnumType(ReplyEventKind, { name: 'AssistantReplyEventKind' });

@Directive(VIEWER_INDEPENDENT)
@ObjectType({ description: 'A reply in a thread being written, finished or failed.' })
export class AssistantReplyEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => ReplyEventKind)
  kind!: ReplyEventKind;

  @Field(() => ID)
  threadId!: string;

  @Field(() => String, { nullable: true, description: 'DELTA: the text to append. CURRENT: the text so far.' })
  delta!: string | null;

  @Field(() => Int, {
    description:
      'DELTA: its place in the reply, from 0. CURRENT: how many deltas `message.content` already holds, so a ' +
      'client skips the deltas before that one.',
  })
  index!: number;

  @Field(() => AssistantMessage, { description: 'The reply (only its id and status, for a DELTA).' })
  message!: AssistantMessage | { id: string; status: 'STREAMING' };
}

interface EventFacts {
  kind: ReplyEventKind;
  threadId: string;
  messageId: string;
}

/** Event ids are opaque to clients: `kind:threadId:messageId:unique` inside. */
export function replyEventId({ kind, threadId, messageId }: EventFacts): string {
  return Buffer.from([kind, threadId, messageId, uuidv7()].join(':')).toString('base64url');
}

export function parseReplyEventId(id: string): EventFacts {
  const [kind, threadId, messageId, unique, ...rest] = Buffer.from(id, 'base64url').toString('utf8').split(':');
  const stored = kind === ReplyEventKind.COMPLETE || kind === ReplyEventKind.FAILED || kind === ReplyEventKind.CURRENT;
  if (!stored || rest.length || ![threadId, messageId, unique].every((part) => part && isUuid(part)))
    throw notFound('Assistant reply event');
  return { kind: kind as ReplyEventKind, threadId: threadId!.toLowerCase(), messageId: messageId!.toLowerCase() };
}

/** Tells the owner's `assistantReply` that a reply finished or failed, after the transaction commits. */
export function tellReply(publish: Publish<AssistantEvents>, facts: EventFacts, ownerId: string) {
  publish('assistant.reply.event', { id: replyEventId(facts), threadId: facts.threadId, recipientIds: [ownerId] });
}

/** Sends a piece of a reply to its owner now: never stored, so the answer rides along. */
export function streamDelta(
  signal: Signal<AssistantSignals>,
  facts: { threadId: string; messageId: string; ownerId: string },
  delta: string,
  index: number,
) {
  const id = replyEventId({ kind: ReplyEventKind.DELTA, ...facts });
  const message = { id: facts.messageId, status: 'STREAMING' } as const;
  const snapshot = { id, kind: 'DELTA', threadId: facts.threadId, delta, index, message } as const;
  return signal('assistant.reply.event', { id, threadId: facts.threadId, recipientIds: [facts.ownerId], snapshot });
}
