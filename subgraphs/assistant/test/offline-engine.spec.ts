import { AIMessage, AIMessageChunk, type BaseMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { IntentClassifier } from '#src/models/intent-classifier';
import { LOOKUP_FAILED, NOTHING_FOUND, type BotIntent, OfflineChatModel } from '#src/models/offline-engine';

const HELP_DESK = [
  {
    name: 'order_status',
    examples: [
      'Where is my order?',
      'Has my order shipped yet?',
      'When will my package arrive?',
      'Track my order',
      'What is the status of my delivery?',
      'Is my purchase on its way?',
    ],
  },
  {
    name: 'refund',
    examples: [
      'I want a refund',
      'Can I get my money back?',
      'How do I return an item and get reimbursed?',
      'Refund my last purchase',
      'I was charged twice',
    ],
  },
  {
    name: 'login',
    examples: [
      'I cannot sign in',
      'Unable to log into my account',
      'How do I reset my password?',
      'My password does not work',
      'I am locked out of my account',
    ],
  },
];

describe('IntentClassifier', () => {
  const classifier = new IntentClassifier(HELP_DESK);

  // None of these questions is one of the examples word for word.
  it.each([
    ['where is my order', 'order_status'],
    ['has my package shipped?', 'order_status'],
    ['track my parcel', 'order_status'],
    ['I want my money back', 'refund'],
    ["I can't log in", 'login'],
    ['forgot my password', 'login'],
  ])('recognises %j as %s', (question, intent) => {
    const match = classifier.classify(question);
    expect(match?.name).toBe(intent);
    expect(match?.confidence).toBeGreaterThan(0);
    expect(match?.confidence).toBeLessThanOrEqual(1);
  });

  it.each([
    ["what's the weather on Mars"],
    ['I want to know the weather on Mars'],
    ['book a table for two'],
    [''],
    ['?!'],
  ])('finds no intent for %j', (question) => {
    expect(classifier.classify(question)).toBeNull();
  });

  it('lets the names of things (words no example has) not drown the words that say what is asked', () => {
    const shop = new IntentClassifier([
      { name: 'search', examples: ['search for headphones', 'find me a laptop'] },
      { name: 'order_status', examples: ['where is my order'] },
    ]);
    expect(shop.classify('search for a linen apron')?.name).toBe('search');
    expect(shop.classify('where is my walnut desk lamp order')?.name).toBe('order_status');
  });

  it('is fully confident about one of its own examples, whatever the case and punctuation', () => {
    expect(classifier.classify('TRACK MY ORDER!!')).toEqual({ name: 'order_status', confidence: 1 });
  });

  it('still tells apart questions made only of stop words', () => {
    const small = new IntentClassifier([
      { name: 'capabilities', examples: ['What can you do?'] },
      { name: 'order_status', examples: ['Where is my order?'] },
    ]);
    expect(small.classify('what do you do')?.name).toBe('capabilities');
  });

  it('answers null when it has no intents', () => {
    expect(new IntentClassifier([]).classify('where is my order')).toBeNull();
  });
});

const FALLBACK = 'I can help with: order status, refund. Ask me about one of these.';
const SHIPPED = 'Order #A1: SHIPPED';

/** The agent loop of the assistant subgraph, with tools that count their calls. */
function helpDeskAgent(intents: BotIntent[], { orders = SHIPPED } = {}) {
  const calls = { my_orders: [] as unknown[], issue_refund: [] as unknown[] };
  const myOrders = tool(
    async (args) => {
      calls.my_orders.push(args);
      return orders;
    },
    { name: 'my_orders', description: "The user's orders.", schema: z.object({ query: z.string().optional() }) },
  );
  // Known to the tool node, never bound to the model: the model must not call it.
  const issueRefund = tool(
    async (args) => {
      calls.issue_refund.push(args);
      return 'Refund issued';
    },
    { name: 'issue_refund', description: 'Refunds an order.', schema: z.object({ query: z.string().optional() }) },
  );
  const model = new OfflineChatModel({ intents, fallback: FALLBACK }).bindTools([myOrders]);
  const graph = new StateGraph(MessagesAnnotation)
    // No config passed on, as in the subgraph: LangGraph carries the run's callbacks to the model itself.
    .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode('tools', new ToolNode([myOrders, issueRefund]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile();
  return { graph, calls };
}

interface Turn {
  messages: BaseMessage[];
  /** The agent node's streamed message chunks, in order. */
  chunks: AIMessageChunk[];
}

async function ask(graph: ReturnType<typeof helpDeskAgent>['graph'], question: string): Promise<Turn> {
  const chunks: AIMessageChunk[] = [];
  let messages: BaseMessage[] = [];
  const stream = await graph.stream(
    { messages: [new HumanMessage(question)] },
    { streamMode: ['messages', 'values'] as const },
  );
  for await (const [mode, payload] of stream) {
    if (mode === 'values') messages = payload.messages;
    else if (payload[1].langgraph_node === 'agent' && AIMessageChunk.isInstance(payload[0])) chunks.push(payload[0]);
  }
  return { messages, chunks };
}

const ORDER_STATUS: BotIntent = { name: 'order_status', tool: 'my_orders', examples: HELP_DESK[0]!.examples };
const REFUND: BotIntent = {
  name: 'refund',
  tool: 'issue_refund',
  answer: 'Refunds are handled under Orders › Request a refund.',
  examples: HELP_DESK[1]!.examples,
};

describe('OfflineChatModel in a LangGraph agent', () => {
  it('calls the intent’s tool with the question, then answers with what the tool returned', async () => {
    const { graph, calls } = helpDeskAgent([ORDER_STATUS, REFUND]);
    const { messages } = await ask(graph, 'where is my order?');

    expect(messages.map((message) => message.type)).toEqual(['human', 'ai', 'tool', 'ai']);
    const request = messages[1] as AIMessage;
    expect(request.content).toBe('');
    expect(request.tool_calls).toEqual([
      expect.objectContaining({ name: 'my_orders', args: { query: 'where is my order?' }, id: expect.any(String) }),
    ]);
    expect(calls.my_orders).toEqual([{ query: 'where is my order?' }]);
    expect(messages.at(-1)!.text).toBe(SHIPPED);
  });

  it('gives the same answer when the graph is invoked without streaming', async () => {
    const { graph, calls } = helpDeskAgent([ORDER_STATUS]);
    const { messages } = await graph.invoke({ messages: [new HumanMessage('where is my order?')] });
    expect(messages.map((message) => message.type)).toEqual(['human', 'ai', 'tool', 'ai']);
    expect(calls.my_orders).toEqual([{ query: 'where is my order?' }]);
    expect(messages.at(-1)!.text).toBe(SHIPPED);
  });

  it('streams the answer word by word, in chunks that join into the final text', async () => {
    const { graph } = helpDeskAgent([ORDER_STATUS]);
    const { messages, chunks } = await ask(graph, 'has my package shipped?');
    const final = messages.at(-1) as AIMessage;

    const [toolCallChunk, ...answerChunks] = chunks;
    expect(toolCallChunk!.tool_call_chunks).toEqual([expect.objectContaining({ name: 'my_orders', index: 0 })]);
    expect(answerChunks.length).toBeGreaterThan(1);
    expect(answerChunks.map((chunk) => chunk.text).join('')).toBe(final.text);
    expect(final.text).toBe(SHIPPED);
    expect(new Set(answerChunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(answerChunks[0]!.id).toBe(final.id);
    // Words stand in for tokens: "Order #A1: SHIPPED" is three.
    expect(final.usage_metadata).toMatchObject({ output_tokens: 3 });
    expect(final.response_metadata).toMatchObject({ model_name: 'peerlink-offline', intent: 'order_status' });
  });

  it('adds the intent’s answer after the tool’s result', async () => {
    const { graph } = helpDeskAgent([{ ...ORDER_STATUS, answer: 'Details are under Orders.' }]);
    const { messages } = await ask(graph, 'track my parcel');
    expect(messages.at(-1)!.text).toBe(`${SHIPPED}\n\nDetails are under Orders.`);
  });

  it('says plainly that nothing was found when the tool returns nothing', async () => {
    const { graph } = helpDeskAgent([ORDER_STATUS], { orders: '' });
    const { messages } = await ask(graph, 'where is my order?');
    expect(messages.at(-1)!.text).toBe(NOTHING_FOUND);
  });

  it('answers the fallback without calling any tool when no intent matches', async () => {
    const { graph, calls } = helpDeskAgent([ORDER_STATUS, REFUND]);
    const { messages, chunks } = await ask(graph, "what's the weather on Mars");

    expect(messages.map((message) => message.type)).toEqual(['human', 'ai']);
    expect(messages[1]!.text).toBe(FALLBACK);
    expect((messages[1] as AIMessage).tool_calls ?? []).toEqual([]);
    expect(chunks.map((chunk) => chunk.text).join('')).toBe(FALLBACK);
    expect(calls).toEqual({ my_orders: [], issue_refund: [] });
  });

  it('never calls a tool it was not given, and says the intent’s answer instead', async () => {
    const { graph, calls } = helpDeskAgent([ORDER_STATUS, REFUND]);
    const { messages } = await ask(graph, 'I want my money back');

    expect(messages.map((message) => message.type)).toEqual(['human', 'ai']);
    expect(messages[1]!.text).toBe(REFUND.answer);
    expect(calls.issue_refund).toEqual([]);
  });

  it('falls back when an intent’s tool is not bound and it has no answer of its own', async () => {
    const { graph, calls } = helpDeskAgent([ORDER_STATUS, { ...REFUND, answer: undefined }]);
    const { messages } = await ask(graph, 'I want my money back');
    expect(messages.at(-1)!.text).toBe(FALLBACK);
    expect(calls.issue_refund).toEqual([]);
  });
});

describe('OfflineChatModel', () => {
  const model = new OfflineChatModel({ intents: [ORDER_STATUS], fallback: FALLBACK });

  it('says what it is', () => {
    expect(model._llmType()).toBe('peerlink-offline');
  });

  it('calls no tool unless tools are bound', async () => {
    const reply = await model.invoke([new HumanMessage('where is my order?')]);
    expect(reply.tool_calls).toEqual([]);
    expect(reply.text).toBe(FALLBACK);
  });

  it('tells the user a lookup failed without repeating the tool’s error', async () => {
    const request = new AIMessage({
      content: '',
      tool_calls: [{ id: 'call_1', name: 'my_orders', args: { query: 'where is my order?' } }],
    });
    const failure = new ToolMessage({
      tool_call_id: 'call_1',
      status: 'error',
      content: 'Error: gateway timed out\n Please fix your mistakes.',
    });
    const reply = await model.invoke([new HumanMessage('where is my order?'), request, failure]);
    expect(reply.text).toBe(LOOKUP_FAILED);
  });

  it('answers from the tool results of the latest question only', async () => {
    const earlier = [
      new HumanMessage('where is my order?'),
      new AIMessage({ content: '', tool_calls: [{ id: 'call_1', name: 'my_orders', args: {} }] }),
      new ToolMessage({ tool_call_id: 'call_1', content: SHIPPED }),
      new AIMessage(SHIPPED),
    ];
    const reply = await model.invoke([...earlier, new HumanMessage("what's the weather on Mars")]);
    expect(reply.text).toBe(FALLBACK);
  });
});
