import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Result<T> {
  data: T | null | undefined;
  errors?: GraphQLFormattedError[];
  status: number;
}

/** Sends a typed operation to the gateway the way a browser would. */
export async function request<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<Result<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: GraphQLFormattedError[] };
  return { data: body.data, errors: body.errors, status: response.status };
}

/** An answer's root fields, none of them null. */
export type Answered<T> = { [K in keyof T]: NonNullable<T[K]> };

/**
 * The data of a call that must succeed. Every root field is nullable (so one subgraph down costs
 * only its own fields), so a null root is refused here unless the caller expects one (`nullable`).
 */
export async function ok<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  token?: string,
): Promise<Answered<T>>;
export async function ok<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables: V | undefined,
  token: string | undefined,
  options: { nullable: true },
): Promise<T>;
export async function ok<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  token?: string,
  options: { nullable?: true } = {},
): Promise<T> {
  const result = await request(url, document, variables, { token });
  if (result.errors?.length || !result.data) throw new Error(`expected success, got ${JSON.stringify(result.errors)}`);
  const nulls = Object.entries(result.data as Record<string, unknown>).filter(([, value]) => value === null);
  if (nulls.length && !options.nullable)
    throw new Error(`expected every root field, got null for ${nulls.map(([name]) => name).join(', ')}`);
  return result.data;
}

/**
 * The data of an answer, or null when no root field was answered: a refused call on a nullable root
 * answers `{ field: null }` where a non-null one answered `data: null`.
 */
export function answeredData<T>(data: T | null | undefined): T | null {
  return data && Object.values(data as Record<string, unknown>).some((value) => value !== null) ? data : null;
}

/** The error codes of a call that must fail. */
export async function codes<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  token?: string,
): Promise<string[]> {
  const result = await request(url, document, variables, { token });
  return (result.errors ?? []).map((e) => String(e.extensions?.code));
}

export function wsClient(url: string, token?: string): Client {
  return createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** Collects what a subscription delivers: results, an error, or completion. */
export class Subscription<T> {
  readonly results: { data?: T | null; errors?: readonly GraphQLFormattedError[] }[] = [];
  error: unknown;
  completed = false;
  private readonly unsubscribe: () => void;

  constructor(client: Client, document: TypedDocumentNode<T, any>, variables?: Record<string, unknown>) {
    this.unsubscribe = client.subscribe<T>(
      { query: print(document), variables },
      {
        next: (value) => void this.results.push(value as never),
        error: (error) => {
          this.error = error;
        },
        complete: () => {
          this.completed = true;
        },
      },
    );
  }

  stop() {
    this.unsubscribe();
  }
}
