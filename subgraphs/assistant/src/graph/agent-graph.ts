import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { type BaseCheckpointSaver, END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode } from '@langchain/langgraph/prebuilt';

export interface AgentOptions {
  model: BaseChatModel;
  tools: StructuredToolInterface[];
  /** The bot's instructions and what the assistant remembers of the user: given with every call, never stored. */
  system: string;
  /** Where the thread's state is kept; none for a one-off answer. */
  checkpointer?: BaseCheckpointSaver;
  /** Earlier messages of the thread given to the model, besides the question. */
  historyMessages: number;
}

/**
 * The one agent every provider runs: the model answers or asks for tools, the tools run (through the
 * gateway, as the user), and the model answers again with what they found. The thread's messages
 * live in the checkpointer, under the thread's id.
 */
export function agentGraph({ model, tools, system, checkpointer, historyMessages }: AgentOptions) {
  // Every chat model we choose binds tools.
  const withTools = tools.length ? model.bindTools!(tools) : model;
  const agent = async (state: typeof MessagesAnnotation.State) => {
    const reply = await withTools.invoke([new SystemMessage(system), ...recent(state.messages, historyMessages)]);
    return { messages: [reply] };
  };
  const next = (state: typeof MessagesAnnotation.State) => {
    const last = state.messages.at(-1);
    return last && AIMessage.isInstance(last) && last.tool_calls?.length ? 'tools' : END;
  };
  return new StateGraph(MessagesAnnotation)
    .addNode('agent', agent)
    .addNode('tools', new ToolNode(tools))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', next, ['tools', END])
    .addEdge('tools', 'agent')
    .compile({ checkpointer });
}

/**
 * The messages of the current question (from its HumanMessage on) and up to `limit` before it, cut at
 * a question so no tool answer arrives without the call that asked for it.
 */
export function recent(messages: BaseMessage[], limit: number): BaseMessage[] {
  const questions = messages.flatMap((message, index) => (message.type === 'human' ? [index] : []));
  const current = questions.at(-1) ?? 0;
  const start = questions.find((index) => index >= current - limit) ?? current;
  return answeredOnly(messages.slice(start));
}

/**
 * Without tool calls left unanswered (a reply cut off between the model's call and the tool's answer):
 * providers refuse a conversation that holds one.
 */
function answeredOnly(messages: BaseMessage[]): BaseMessage[] {
  const answered = new Set(
    messages.flatMap((message) => (ToolMessage.isInstance(message) ? [message.tool_call_id] : [])),
  );
  const unanswered = (message: BaseMessage) =>
    AIMessage.isInstance(message) && (message.tool_calls ?? []).some((call) => !call.id || !answered.has(call.id));
  const dropped = new Set(
    messages.flatMap((message) =>
      unanswered(message) ? ((message as AIMessage).tool_calls ?? []).map((call) => call.id) : [],
    ),
  );
  return messages.filter(
    (message) => !unanswered(message) && !(ToolMessage.isInstance(message) && dropped.has(message.tool_call_id)),
  );
}
