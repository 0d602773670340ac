import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { recent } from '#src/graph/agent-graph';

const call = (id: string) => new AIMessage({ content: '', tool_calls: [{ id, name: 'my_orders', args: {} }] });

describe('recent', () => {
  it('gives the current question with the earlier messages allowed, cut at a question', () => {
    const messages = [
      new HumanMessage('one'),
      new AIMessage('first'),
      new HumanMessage('two'),
      new AIMessage('second'),
      new HumanMessage('three'),
    ];
    expect(recent(messages, 2).map((m) => m.content)).toEqual(['two', 'second', 'three']);
    expect(recent(messages, 0).map((m) => m.content)).toEqual(['three']);
  });

  it('leaves out a tool call that was never answered (a reply cut off), which providers refuse', () => {
    const messages = [
      new HumanMessage('where is my order?'),
      call('c1'),
      new HumanMessage('hello?'),
      call('c2'),
      new ToolMessage({ content: 'none', tool_call_id: 'c2' }),
      new AIMessage('You have none.'),
    ];
    expect(recent(messages, 10).map((m) => m.content)).toEqual([
      'where is my order?',
      'hello?',
      '',
      'none',
      'You have none.',
    ]);
  });
});
