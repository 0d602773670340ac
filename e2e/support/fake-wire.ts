import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the local fakes of model providers (fake-openai.ts, fake-ollama.ts) share. */

export interface FakeToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export interface RecordedRequest {
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** Whether `ms` passed before `signal` aborted. */
export async function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

export function abortedOnClose(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  return controller.signal;
}

export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Each word with the whitespace after it (leading whitespace alone first), so the pieces join back exactly. */
export function splitWords(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}
