import { randomBytes } from 'node:crypto';

/** Stripe's wire format as the fake speaks it: answers, errors and form fields. */

export type Answer = { status: number; body: object };

/** What charging a test card does. */
export type Outcome = 'succeeds' | 'authenticates' | { decline_code: string; message: string };

export const token = () => randomBytes(12).toString('hex');

export const error = (status: number, body: Record<string, unknown>): Answer => ({ status, body: { error: body } });

export const now = () => Math.floor(Date.now() / 1000);

/** A GET of something that does not exist: 404, in Stripe's words. */
export const missing = (message: string, param: string): Answer =>
  error(404, { type: 'invalid_request_error', code: 'resource_missing', message, param });

export const invalid = (message: string, param?: string, code?: string): Answer =>
  error(400, { type: 'invalid_request_error', message, ...(param && { param }), ...(code && { code }) });

export function metadataOf(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params)
      .filter(([name]) => name.startsWith('metadata['))
      .map(([name, value]) => [name.slice('metadata['.length, -1), value]),
  );
}

/** The parameter names a route accepts: any of the alternatives, each matching whole names. */
export const paramNames = (...alternatives: RegExp[]) =>
  new RegExp(`^(${alternatives.map((alternative) => alternative.source).join('|')})$`);
