import { requireViewer } from '@peerlink/platform/auth/viewer';
import { badInput } from '@peerlink/platform/errors';
import { VIEWER_INDEPENDENT } from '@peerlink/platform/graphql/live';
import { Arg, Ctx, Directive, Field, Float, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { analyzeText, MAX_ANALYSED_CHARS, type SentimentLabel } from './analysis/text-analysis.js';
import type { AssistantContext } from './context.js';

enum SentimentLabelEnum {
  POSITIVE = 'POSITIVE',
  NEGATIVE = 'NEGATIVE',
  NEUTRAL = 'NEUTRAL',
}
registerEnumType(SentimentLabelEnum, { name: 'SentimentLabel' });

@Directive(VIEWER_INDEPENDENT)
@ObjectType()
export class TextSentiment {
  @Field(() => SentimentLabelEnum)
  label!: SentimentLabel;

  @Field(() => Float, { description: 'From -1 (most negative) to 1 (most positive): VADER’s compound score.' })
  score!: number;
}

@ObjectType()
export class TextEntity {
  @Field()
  text!: string;

  @Field({ description: 'e.g. DATE, TIME, MONEY, EMAIL, URL, HASHTAG, MENTION, CARDINAL, PERCENT.' })
  type!: string;
}

@ObjectType()
export class TextAnalysis {
  @Field(() => TextSentiment)
  sentiment!: TextSentiment;

  @Field(() => [TextEntity])
  entities!: TextEntity[];

  @Field({ description: 'ISO 639-1 code of the language it seems to be in, or `und` when unsure.' })
  language!: string;
}

@Resolver()
export class AnalysisResolver {
  @Query(() => TextAnalysis, {
    nullable: true,
    description:
      `Sentiment, entities and language of a text, analysed in process (its first ${MAX_ANALYSED_CHARS} ` +
      `characters).`,
  })
  analyzeText(@Arg('text') text: string, @Ctx() ctx: AssistantContext) {
    requireViewer(ctx.viewer);
    if (text.length > 100_000) throw badInput('At most 100000 characters.', 'text');
    return analyzeText(text);
  }
}
