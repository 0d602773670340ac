// The TypeScript and JavaScript files the lint scripts look at: every file git tracks or would track, minus the
// paths biome.jsonc excludes ("!" patterns in files.includes), so Biome and these scripts agree on one list.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The longest line allowed, as biome.jsonc's formatter.lineWidth. */
export const MAX_LINE_LENGTH = 120;

// Lines Biome keeps whole on purpose, whatever their length: a test's title line (`it('...', async () => {`), whose
// title is what the runner prints and what people search for, and an import of one name.
const KEPT_WHOLE = [
  /^\s*(describe|it|test)(\.\w+)*\((['"`]).*\3,\s*(\{[^{}]*\},\s*)?(async\s*)?\([^)]*\)\s*=>\s*\{$/,
  /^import (type )?\{ \w+ \} from '[^']+';$/,
];

/** Whether a line is longer than the limit, and not one Biome keeps whole. */
export function isTooLong(line) {
  return [...line].length > MAX_LINE_LENGTH && !KEPT_WHOLE.some((pattern) => pattern.test(line));
}

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

export function sourceFiles() {
  const excluded = biomeExclusions();
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return listed.split('\0').filter((path) => SOURCE.test(path) && !excluded.some((pattern) => pattern.test(path)));
}

function biomeExclusions() {
  const config = JSON.parse(stripJsonComments(readFileSync('biome.jsonc', 'utf8')));
  return config.files.includes
    .filter((glob) => glob.startsWith('!'))
    .map((glob) => globToRegExp(glob.replace(/^!+/, '')));
}

// A glob matches the path itself or, for a folder, everything under it.
function globToRegExp(glob) {
  const body = glob
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) => {
      if (part === '**/') return '(?:.*/)?';
      if (part === '**') return '.*';
      if (part === '*') return '[^/]*';
      return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}(?:/.*)?$`);
}

// Removes // and /* */ comments outside strings; enough for biome.jsonc.
function stripJsonComments(text) {
  return text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_match, string) => string ?? '');
}
