const MAX_MENTIONS = 20;

/** The usernames a message mentions as `@name`, lower-case, each once (usernames are [a-z0-9_]). */
export function mentionsIn(body: string): string[] {
  const names = [...body.matchAll(/(?<![\w@])@([a-z0-9_]{2,30})\b/gi)].map((match) => match[1]!.toLowerCase());
  return [...new Set(names)].slice(0, MAX_MENTIONS);
}
