/** A GraphQL error as the gateway answers it. */
export interface ApiError {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

export class ApiCallFailed extends Error {
  constructor(
    readonly operation: string,
    readonly errors: ApiError[],
  ) {
    super(`${operation} failed: ${errors.map((e) => `${e.extensions?.code ?? 'ERROR'} ${e.message}`).join('; ')}`);
  }

  get code() {
    return this.errors[0]?.extensions?.code;
  }
}

/** The public API at `url`, spoken as any client speaks it: JSON over HTTP, a bearer token per call. */
export class SeedApi {
  constructor(readonly url: string) {}

  async call<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<T> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: ApiError[] };
    if (body.errors?.length || !body.data)
      throw new ApiCallFailed(/^\s*\w+\s+(\w+)/.exec(query)?.[1] ?? 'operation', body.errors ?? []);
    return body.data;
  }

  /** The data, or null when the call failed with `code` (what a re-run meets for things already done). */
  async unless<T = Record<string, any>>(
    code: string,
    query: string,
    variables: Record<string, unknown>,
    token?: string,
  ): Promise<T | null> {
    try {
      return await this.call<T>(query, variables, token);
    } catch (error) {
      if (error instanceof ApiCallFailed && error.code === code) return null;
      throw error;
    }
  }
}
