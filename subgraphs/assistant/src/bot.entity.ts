import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, ObjectType } from 'type-graphql';

/** What a bot recognises without a language model: the offline engine classifies questions by these. */
export interface BotIntent {
  name: string;
  examples: string[];
  /** Called first, with the user's words as `query`; what it returns is the answer. */
  tool?: string;
  /** Said as the reply, or after the tool's result when there is a tool. */
  answer?: string;
}

/** A predefined assistant: its own instructions and the tools it may use. Admins create and edit them. */
@ObjectType('AssistantBot')
@Entity({ tableName: 'bots' })
export class Bot {
  [OptionalProps]?: 'id' | 'createdAt' | 'updatedAt' | 'builtIn' | 'intents';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Field({ description: 'How clients name it in askAssistant(input: { bot }), e.g. `support`.' })
  @Unique()
  @Property()
  slug!: string;

  @Field()
  @Property()
  name!: string;

  /** Resolved by BotResolver: it says which engine answers. */
  @Property()
  description!: string;

  @Field({ description: 'The instructions the model is given (admins only; null for others).', nullable: true })
  @Property({ type: 'text' })
  instructions!: string;

  @Field(() => [String], { description: 'The tools it may call, by name (see assistantTools).' })
  @Property({ type: 'json' })
  tools!: string[];

  @Property({ type: 'json' })
  intents: BotIntent[] = [];

  @Field({ description: 'Shipped with PeerLink; admins may edit it but not delete it.' })
  @Property()
  builtIn: boolean = false;

  @Field()
  @Property()
  createdAt: Date = new Date();

  @Field()
  @Property()
  updatedAt: Date = new Date();
}
