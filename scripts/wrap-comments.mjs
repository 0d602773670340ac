// Re-wraps comment lines longer than the limit, at the same indentation, without touching code: a whole-line `//`
// comment, or a line of a `/* */` or `/** */` block (a one-line `/** ... */` becomes a block). The long line and the
// lines of the same comment paragraph after it are refilled together, so no ragged short line is left behind.
// Usage: node scripts/wrap-comments.mjs [files...]   (default: every source file)
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
import { MAX_LINE_LENGTH, sourceFiles } from './source-files.mjs';

const files = process.argv.length > 2 ? process.argv.slice(2) : sourceFiles();
let changedFiles = 0;
for (const path of files) {
  const before = readFileSync(path, 'utf8');
  const after = wrapComments(path, before);
  if (after !== before) {
    writeFileSync(path, after);
    changedFiles += 1;
  }
}
console.log(`wrap-comments: rewrapped comments in ${changedFiles} file(s).`);

function wrapComments(path, text) {
  const lines = text.split('\n');
  const kinds = commentKindByLine(path, text, lines);
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const kind = kinds[i];
    const line = lines[i];
    if (!kind || [...line].length <= MAX_LINE_LENGTH) {
      out.push(line);
      continue;
    }
    if (kind === 'single-block') {
      // `/** text */` alone on its line, too long: turn it into a block and wrap its text.
      const [, indent, opener, body] = /^(\s*)(\/\*\*?)\s*(.*?)\s*\*\/\s*$/.exec(line);
      out.push(`${indent}${opener}`, ...fill(`${indent} * `, body.split(/\s+/)), `${indent} */`);
      continue;
    }
    const prefix = linePrefix(line, kind);
    if (/^\s/.test(line.slice(prefix.length))) {
      // An indented code sample in a comment: wrapping would change its meaning, so it is left for a person.
      out.push(line);
      continue;
    }
    const words = line.slice(prefix.length).trim().split(/\s+/);
    // Refill the rest of the paragraph: following lines of the same comment, same prefix, that continue the prose.
    while (i + 1 < lines.length && kinds[i + 1] === kind && continuesParagraph(lines[i + 1], prefix)) {
      i += 1;
      words.push(...lines[i].slice(prefix.length).trim().split(/\s+/));
    }
    out.push(...fill(prefix, words));
  }
  return out.join('\n');
}

// For each line: 'line' (whole-line //), 'block' (inside a /* */ comment, not its first line), 'single-block'
// (a whole /* */ comment on one line), or undefined (code, or a comment that shares its line with code).
function commentKindByLine(path, text, lines) {
  const kinds = new Array(lines.length);
  const lineStarts = [];
  let offset = 0;
  for (const line of lines) {
    lineStarts.push(offset);
    offset += line.length + 1;
  }
  const lineOf = (position) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle] <= position) low = middle;
      else high = middle - 1;
    }
    return low;
  };
  const onlyWhitespaceBefore = (position) => text.slice(lineStarts[lineOf(position)], position).trim() === '';
  const onlyWhitespaceAfter = (position) => {
    const line = lineOf(position);
    return text.slice(position, lineStarts[line] + lines[line].length).trim() === '';
  };

  for (const range of commentRanges(path, text)) {
    const first = lineOf(range.pos);
    const last = lineOf(range.end - 1);
    const alone = onlyWhitespaceBefore(range.pos) && onlyWhitespaceAfter(range.end);
    if (range.kind === ts.SyntaxKind.SingleLineCommentTrivia) {
      if (alone) kinds[first] = 'line';
    } else if (first === last) {
      if (alone) kinds[first] = 'single-block';
    } else {
      // Middle lines of a block; the first and last only when they hold nothing but the comment's own markers.
      for (let line = first + 1; line < last; line++) kinds[line] = 'block';
      if (alone && /^\s*\*\/\s*$/.test(lines[last])) kinds[last] = undefined;
    }
  }
  return kinds;
}

function commentRanges(path, text) {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKind(path));
  const seen = new Map();
  const collect = (ranges) => {
    for (const range of ranges ?? []) seen.set(range.pos, range);
  };
  const visit = (node) => {
    collect(ts.getLeadingCommentRanges(text, node.pos));
    collect(ts.getTrailingCommentRanges(text, node.end));
    node.getChildren(source).forEach(visit);
  };
  visit(source);
  return [...seen.values()];
}

function scriptKind(path) {
  if (path.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (/\.[mc]?js$/.test(path)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

function linePrefix(line, kind) {
  const pattern = kind === 'line' ? /^\s*\/\/+ ?/ : /^\s*\*? ?/;
  return pattern.exec(line)[0].replace(/\s*$/, ' ');
}

// A following line continues the paragraph unless it is blank, a list item, a JSDoc tag, a code sample or indented.
function continuesParagraph(line, prefix) {
  if (!line.startsWith(prefix)) return false;
  const rest = line.slice(prefix.length);
  if (rest.trim() === '' || /^\s/.test(rest)) return false;
  return !/^([-*+•|>#@`]|\d+[.)]\s|eslint|biome-ignore|@ts-)/.test(rest);
}

// Greedy fill; a single word longer than the line stays on its own line.
function fill(prefix, words) {
  const out = [];
  let current = '';
  for (const word of words.filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (current && [...prefix].length + [...candidate].length > MAX_LINE_LENGTH) {
      out.push(prefix + current);
      current = word;
    } else {
      current = candidate;
    }
  }
  if (current) out.push(prefix + current);
  return out.map((line) => line.replace(/\s+$/, ''));
}
