import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit, type DocumentNode } from 'graphql';
import { textFault } from '../text.js';

/**
 * Refuses, before any resolver runs, an operation whose variables or inline arguments hold a
 * string that is not text (`textFault`), as BAD_USER_INPUT naming where. One check for every
 * subgraph, so none has to remember it and no such string reaches SQL (or the error log).
 */
export function textInputChecked<Context extends object>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const fault = faultIn(request.variables ?? {}, '$') ?? literalFaultOf(document);
          // HTTP 400, as for a scalar the subgraph cannot parse: the gateway passes it on as the client's bad input.
          if (fault) {
            throw new GraphQLError(`${fault.where} ${fault.why}; text may not.`, {
              extensions: { code: 'BAD_USER_INPUT', field: fault.where, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

type Fault = { where: string; why: string };

function faultIn(value: unknown, where: string): Fault | null {
  if (typeof value === 'string') {
    const why = textFault(value);
    return why ? { where, why } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const fault = faultIn(item, `${where}[${i}]`);
      if (fault) return fault;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const fault = faultIn(item, where === '$' ? `$${key}` : `${where}.${key}`);
      if (fault) return fault;
    }
  }
  return null;
}

/**
 * Apollo parses a query once and hands every request with the same text the same document, so a
 * document's literals are checked once: a batch of live lookups repeats one query thousands of times.
 */
const checkedDocuments = new WeakMap<DocumentNode, Fault | null>();

function literalFaultOf(document: DocumentNode): Fault | null {
  let fault = checkedDocuments.get(document);
  if (fault === undefined) {
    fault = faultInLiterals(document);
    checkedDocuments.set(document, fault);
  }
  return fault;
}

function faultInLiterals(document: DocumentNode): Fault | null {
  let fault: Fault | null = null;
  const argument: string[] = [];
  visit(document, {
    Argument: { enter: (node) => void argument.push(node.name.value), leave: () => void argument.pop() },
    ObjectField: { enter: (node) => void argument.push(node.name.value), leave: () => void argument.pop() },
    StringValue(node) {
      const why = fault ? null : textFault(node.value);
      if (why) fault = { where: argument.join('.') || 'a string', why };
    },
  });
  return fault;
}
