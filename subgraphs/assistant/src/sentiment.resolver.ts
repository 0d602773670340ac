import { Directive, Field, FieldResolver, ID, ObjectType, Resolver, Root } from 'type-graphql';
import { sentimentOf } from './analysis/text-analysis.js';
import { TextSentiment } from './analysis.resolver.js';

/**
 * A chat message as the assistant knows one: its id, and the body chat hands over through the gateway
 * (`@requires`), never read from chat's tables. Resolvable here because the gateway sends the assistant
 * `{ id, body }` representations to resolve `sentiment` on.
 */
@Directive('@key(fields: "id")')
@ObjectType('Message')
export class MessageReference {
  @Field(() => ID)
  id!: string;

  /** Chat's; null once the message is deleted. */
  @Directive('@external')
  @Field(() => String, { nullable: true })
  body!: string | null;
}

/** A post as the assistant knows one, the same way: its id, and the body social hands over. */
@Directive('@key(fields: "id")')
@ObjectType('Post')
export class PostReference {
  @Field(() => ID)
  id!: string;

  @Directive('@external')
  @Field(() => String)
  body!: string;
}

/**
 * The gateway reached the object through its owner, who decided the viewer may see it; the sentiment adds no
 * access, and depends on the body alone, the same for every viewer.
 */
const sentimentOfBody = (body: string | null | undefined) => (body == null ? null : sentimentOf(body));

const SENTIMENT_DESCRIPTION = 'How positive or negative the body reads, analysed in process by the assistant.';

@Resolver(() => MessageReference)
export class MessageSentimentResolver {
  @Directive('@requires(fields: "body")')
  @Directive('@viewerIndependent')
  @FieldResolver(() => TextSentiment, { nullable: true, description: `${SENTIMENT_DESCRIPTION} Null once deleted.` })
  sentiment(@Root() message: MessageReference) {
    return sentimentOfBody(message.body);
  }
}

@Resolver(() => PostReference)
export class PostSentimentResolver {
  @Directive('@requires(fields: "body")')
  @Directive('@viewerIndependent')
  @FieldResolver(() => TextSentiment, { nullable: true, description: SENTIMENT_DESCRIPTION })
  sentiment(@Root() post: PostReference) {
    return sentimentOfBody(post.body);
  }
}

/**
 * What the gateway sends is all there is to know: the representation itself is the entity. Written out so the
 * assistant never looks a message or post up.
 */
export const sentimentReferences = {
  Message: (representation: MessageReference) => representation,
  Post: (representation: PostReference) => representation,
};

/** No query returns them, so type-graphql leaves them out of the schema unless they are named as orphaned types. */
export const sentimentEntityStubs = [MessageReference, PostReference];
