// Fails when a source line is longer than the limit. Biome's formatter wraps code at the same width but leaves
// comments and string literals as they are, so this catches what it cannot.
// Fix long comments with `node scripts/wrap-comments.mjs`, long strings with `node scripts/split-long-strings.mjs`.
import { readFileSync } from 'node:fs';
import { isTooLong, MAX_LINE_LENGTH, sourceFiles } from './source-files.mjs';

const tooLong = [];
for (const path of sourceFiles()) {
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (isTooLong(line)) tooLong.push(`${path}:${index + 1}: ${[...line].length} characters`);
    });
}

if (tooLong.length > 0) {
  console.error(tooLong.join('\n'));
  console.error(`${tooLong.length} line(s) over ${MAX_LINE_LENGTH} characters.`);
  process.exitCode = 1;
}
