// Splits string and template literals that keep a line over the limit after formatting into a `+` concatenation of
// pieces that fit, breaking between words, so the value is exactly the same. Run Biome's formatter afterwards to lay
// the pieces out; the script runs it itself and repeats until nothing more can be split.
// Left for a person: literals without spaces, multi-line template literals (often SQL, better reflowed by hand),
// tagged templates, and literals where a concatenation is not allowed (types, import paths, JSX attributes, `as
// const`). Usage: node scripts/split-long-strings.mjs [files...] (default: every source file)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
import { isTooLong, MAX_LINE_LENGTH, sourceFiles } from './source-files.mjs';

// Room kept on each piece's line for the deeper indentation Biome gives a broken `+` chain, the quotes and ` +`.
const CHAIN_ALLOWANCE = 10;
// Shorter literals are not what makes a line long.
const MIN_SPLIT_LENGTH = 40;

let files = process.argv.length > 2 ? process.argv.slice(2) : sourceFiles();
const touched = new Set();
for (let round = 1; round <= 6 && files.length > 0; round++) {
  const changed = files.filter((path) => {
    const before = readFileSync(path, 'utf8');
    const after = splitLongLiterals(path, before);
    if (after === before) return false;
    writeFileSync(path, after);
    return true;
  });
  if (changed.length > 0) format(changed);
  for (const path of changed) touched.add(path);
  files = changed;
}
console.log(`split-long-strings: split literals in ${touched.size} file(s).`);

function format(paths) {
  execFileSync('npx', ['biome', 'format', '--write', ...paths], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function splitLongLiterals(path, text) {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKind(path));
  const lines = text.split('\n');
  const longLines = new Set(lines.flatMap((line, index) => (isTooLong(line) ? [index] : [])));
  if (longLines.size === 0) return text;

  const candidatesByLine = new Map();
  const visit = (node) => {
    if (isSplittable(node, source)) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source));
      const end = source.getLineAndCharacterOfPosition(node.end);
      if (
        start.line === end.line &&
        longLines.has(start.line) &&
        node.end - node.getStart(source) >= MIN_SPLIT_LENGTH
      ) {
        const list = candidatesByLine.get(start.line) ?? [];
        list.push(node);
        candidatesByLine.set(start.line, list);
        return; // literals nested in this one's placeholders stay as they are
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  const edits = multilineTemplateBreaks(source, lines, longLines);
  for (const [line, nodes] of candidatesByLine) {
    const indent = /^\s*/.exec(lines[line])[0].length;
    const width = MAX_LINE_LENGTH - indent - CHAIN_ALLOWANCE;
    // The literals that run past the limit; failing that, the longest one on the line.
    const lineStart = source.getPositionOfLineAndCharacter(line, 0);
    const crossing = nodes.filter((node) => node.end - lineStart > MAX_LINE_LENGTH);
    const chosen = crossing.length > 0 ? crossing : [nodes.reduce((a, b) => (b.end - b.pos > a.end - a.pos ? b : a))];
    for (const node of chosen) {
      const pieces = piecesOf(node, source, width);
      if (pieces.length < 2) continue;
      const joined = pieces.join(` +\n${' '.repeat(indent + 2)}`);
      edits.push({
        start: node.getStart(source),
        end: node.end,
        text: needsParentheses(node) ? `(${joined})` : joined,
      });
    }
  }
  edits.sort((a, b) => b.start - a.start);
  let result = text;
  for (const edit of edits) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return result;
}

// A template literal that already spans lines holds SQL, GraphQL or HTML, where a line break between words means
// what the space did; a long line in it is broken at spaces outside quotes and placeholders, continued two spaces in.
// Lines with `--`, `#` or `$$` (comments, dollar quoting) are left alone.
function multilineTemplateBreaks(source, lines, longLines) {
  const text = source.text;
  const lineStarts = source.getLineStarts();
  const edits = [];
  const visit = (node) => {
    if (!ts.isTemplateLiteral(node) || !node.getText(source).includes('\n')) return ts.forEachChild(node, visit);
    const start = node.getStart(source);
    const firstLine = source.getLineAndCharacterOfPosition(start).line;
    const lastLine = source.getLineAndCharacterOfPosition(node.end).line;
    const breakable = breakableSpaces(text, start + 1, node.end - 1);
    for (let line = firstLine; line <= lastLine; line++) {
      if (!longLines.has(line) || /--|\$\$|#/.test(lines[line])) continue;
      const indentSource = line === firstLine && line < lastLine ? lines[line + 1] : lines[line];
      const indent = `${/^\s*/.exec(indentSource)[0]}  `; // continuation lines two deeper
      const lineStart = lineStarts[line];
      const lineEnd = lineStart + lines[line].length;
      const spaces = breakable.filter((position) => position > lineStart && position < lineEnd);
      // Greedy: break at the last space that keeps the current piece within the limit.
      let pieceStart = lineStart;
      let pieceOffset = 0; // columns the current piece starts at, after a break: the indentation
      while (lineEnd - pieceStart + pieceOffset > MAX_LINE_LENGTH) {
        const fitting = spaces.filter((p) => p > pieceStart && p - pieceStart + pieceOffset <= MAX_LINE_LENGTH);
        const at = fitting.at(-1);
        if (at === undefined) break;
        edits.push({ start: at, end: at + 1, text: `\n${indent}` });
        pieceStart = at + 1;
        pieceOffset = indent.length;
      }
    }
  };
  visit(source);
  return edits;
}

// Positions of single spaces in a template's text that sit outside `${...}` and outside '...' or "..." on their line.
function breakableSpaces(text, from, to) {
  const spaces = [];
  let quote = null;
  for (let i = from; i < to; i++) {
    const char = text[i];
    if (char === '\\') {
      i += 1;
    } else if (char === '\n') {
      quote = null;
    } else if (char === '$' && text[i + 1] === '{') {
      i = endOfPlaceholder(text, i + 2);
    } else if (quote) {
      if (char === quote) quote = null;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === ' ' && text[i - 1] !== ' ' && text[i + 1] !== ' ' && text[i + 1] !== '\n') {
      spaces.push(i);
    }
  }
  return spaces;
}

function endOfPlaceholder(text, from) {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === '{') depth += 1;
    else if (char === '}' && --depth === 0) return i;
    else if (char === "'" || char === '"' || char === '`') i = from + endOfNestedLiteral(text.slice(from), i - from);
  }
  return text.length;
}

function isSplittable(node, source) {
  const kind = node.kind;
  if (kind === ts.SyntaxKind.StringLiteral || kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral) {
    return isPlainExpression(node) && !node.getText(source).includes('\n') && !inMultilineTemplate(node, source);
  }
  if (kind === ts.SyntaxKind.TemplateExpression) {
    return isPlainExpression(node) && !node.getText(source).includes('\n') && !inMultilineTemplate(node, source);
  }
  return false;
}

// A literal in a placeholder of a multi-line template (a SQL fragment) is better moved out by hand than cut up.
function inMultilineTemplate(node, source) {
  for (let parent = node.parent; parent; parent = parent.parent) {
    if (ts.isTemplateExpression(parent) && parent.getText(source).includes('\n')) return true;
  }
  return false;
}

// A literal used as a value, where `a + b` means the same string; not a type, a module path, a property name,
// a JSX attribute, a tagged template or a const assertion.
function isPlainExpression(node) {
  const parent = node.parent;
  if (!parent) return false;
  switch (parent.kind) {
    case ts.SyntaxKind.LiteralType:
    case ts.SyntaxKind.ImportDeclaration:
    case ts.SyntaxKind.ExportDeclaration:
    case ts.SyntaxKind.ImportType:
    case ts.SyntaxKind.ExternalModuleReference:
    case ts.SyntaxKind.ModuleDeclaration:
    case ts.SyntaxKind.JsxAttribute:
    case ts.SyntaxKind.TaggedTemplateExpression:
    case ts.SyntaxKind.ImportAttribute:
      return false;
    case ts.SyntaxKind.AsExpression:
      return !(ts.isTypeReferenceNode(parent.type) && parent.type.typeName.getText() === 'const');
    default:
      return parent.name !== node;
  }
}

// Where `a + b` binds as tightly as the literal did, no parentheses are needed.
function needsParentheses(node) {
  const parent = node.parent;
  switch (parent.kind) {
    case ts.SyntaxKind.VariableDeclaration:
    case ts.SyntaxKind.PropertyAssignment:
    case ts.SyntaxKind.PropertyDeclaration:
    case ts.SyntaxKind.Parameter:
    case ts.SyntaxKind.CallExpression:
    case ts.SyntaxKind.NewExpression:
      return parent.expression === node;
    case ts.SyntaxKind.ArrayLiteralExpression:
    case ts.SyntaxKind.ReturnStatement:
    case ts.SyntaxKind.ThrowStatement:
    case ts.SyntaxKind.ArrowFunction:
    case ts.SyntaxKind.ParenthesizedExpression:
    case ts.SyntaxKind.TemplateSpan:
    case ts.SyntaxKind.ExpressionStatement:
    case ts.SyntaxKind.ConditionalExpression:
    case ts.SyntaxKind.SpreadElement:
      return parent.kind === ts.SyntaxKind.ConditionalExpression && parent.condition === node;
    case ts.SyntaxKind.BinaryExpression: {
      const operator = parent.operatorToken.kind;
      return ![
        // `x + 'a' + 'b'` is `x + 'ab'`: once one side of `+` is a string, the result is the same string.
        ts.SyntaxKind.PlusToken,
        ts.SyntaxKind.EqualsToken,
        ts.SyntaxKind.PlusEqualsToken,
        ts.SyntaxKind.QuestionQuestionToken,
        ts.SyntaxKind.BarBarToken,
        ts.SyntaxKind.AmpersandAmpersandToken,
        ts.SyntaxKind.CommaToken,
      ].includes(operator);
    }
    default:
      return true;
  }
}

// The literal's source cut into literals of at most `width` characters where possible, each ending after a space.
// Placeholders of a template stay whole, inside one piece.
function piecesOf(node, source, width) {
  const raw = node.getText(source);
  const quote = raw[0];
  const body = raw.slice(1, -1);
  const words = wordsOf(body, quote === '`');
  if (words.length < 2) return [raw];
  const pieces = [];
  let current = '';
  for (const word of words) {
    if (current && [...current].length + [...word].length + 2 > width) {
      pieces.push(current);
      current = word;
    } else {
      current += word;
    }
  }
  pieces.push(current);
  return pieces.map((piece) => quote + piece + quote);
}

// Splits a literal's body after each unescaped space, never inside a template's `${...}`.
function wordsOf(body, isTemplate) {
  const words = [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === '\\') {
      i += 1;
      continue;
    }
    if (isTemplate && depth === 0 && char === '$' && body[i + 1] === '{') {
      depth = 1;
      i += 1;
      continue;
    }
    if (depth > 0) {
      // Strings and templates inside a placeholder are skipped whole, so their braces do not count.
      if (char === '{') depth += 1;
      else if (char === '}') depth -= 1;
      else if (char === "'" || char === '"' || char === '`') i = endOfNestedLiteral(body, i);
      continue;
    }
    if (char === ' ' && body[i + 1] !== ' ' && i + 1 < body.length) {
      words.push(body.slice(start, i + 1));
      start = i + 1;
    }
  }
  words.push(body.slice(start));
  return words.filter(Boolean);
}

function endOfNestedLiteral(body, openAt) {
  const quote = body[openAt];
  let depth = 0;
  for (let i = openAt + 1; i < body.length; i++) {
    const char = body[i];
    if (char === '\\') i += 1;
    else if (quote === '`' && char === '$' && body[i + 1] === '{') {
      depth += 1;
      i += 1;
    } else if (depth > 0 && char === '}') depth -= 1;
    else if (depth === 0 && char === quote) return i;
  }
  return body.length;
}

function scriptKind(path) {
  if (path.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (/\.[mc]?js$/.test(path)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}
