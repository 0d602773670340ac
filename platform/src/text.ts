import { badInput } from './errors.js';

/**
 * The rules for text people type, in one place for every subgraph. Two layers:
 * - `textFault`, which the subgraph plugin (graphql/text-input.ts) applies to every string argument
 *   before any resolver runs, so no subgraph can forget it and nothing Postgres refuses reaches SQL;
 * - `text`/`optionalText` with a rule per field (a `line` for names and titles, `prose` for bodies),
 *   which each service applies to the fields it stores.
 */

/** Control characters other than tab, line feed and carriage return. Postgres refuses NUL outright. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * Embeddings, overrides and isolates reorder the text around them: in a name or title they make
 * "gnp.exe" read as "exe.png" and one seller look like another. Marks (LRM, RLM, ALM) only nudge
 * neutral characters and are left alone, since right-to-left writers need them.
 */
const BIDI_REORDERING = /[\u202A-\u202E\u2066-\u2069]/;

/** Why a string is not text at all, or null when it is. */
export function textFault(value: string): string | null {
  if (CONTROL.test(value)) return 'holds a control character';
  if (LONE_SURROGATE.test(value)) return 'holds half of a Unicode character';
  return null;
}

/** How one field's text is shaped and how long it may be, in characters as people count them. */
export type TextRule = {
  /** How an error names the field, e.g. "A title". */
  what: string;
  max: number;
  /** 0 lets the field be empty (optionalText then gives null). */
  min: number;
  /** One line (names, titles): runs of whitespace become one space and reordering controls are refused. */
  line: boolean;
};

export const line = (what: string, max: number, min = 1): TextRule => ({ what, max, min, line: true });
export const prose = (what: string, max: number, min = 1): TextRule => ({ what, max, min, line: false });

/**
 * Lengths count Unicode code points, as Postgres's varchar and char_length do, so an emoji is one
 * character, not the two UTF-16 units JavaScript's `length` sees, and a limit means the same here
 * and in the database.
 */
export const characters = (value: string): number => {
  let count = 0;
  for (const _ of value) count++;
  return count;
};

/** Why `value` breaks `rule`, or null; `value` is the normalized text. */
export function checkText(value: string, rule: TextRule): string | null {
  const fault = textFault(value);
  if (fault) return `${rule.what} ${fault}.`;
  if (rule.line && BIDI_REORDERING.test(value))
    return `${rule.what} may not hold characters that reorder the text around them.`;
  const length = characters(value);
  if (length < rule.min)
    return rule.min === 1 ? `${rule.what} is required.` : `${rule.what} is at least ${rule.min} characters.`;
  if (length > rule.max) return `${rule.what} is at most ${rule.max} characters.`;
  return null;
}

// Prose keeps its line breaks exactly as written (\r\n included): only its ends are trimmed.
const normalize = (value: string, rule: TextRule) => (rule.line ? value.replace(/\s+/g, ' ').trim() : value.trim());

/** The field's text, normalized, or BAD_USER_INPUT naming `field`. */
export function text(value: string, field: string, rule: TextRule): string {
  const normalized = normalize(value, rule);
  const problem = checkText(normalized, rule);
  if (problem) throw badInput(problem, field);
  return normalized;
}

/** As `text`, for a field that may be left out: empty or missing is null. */
export function optionalText(value: string | null | undefined, field: string, rule: TextRule): string | null {
  const normalized = normalize(value ?? '', rule);
  return normalized ? text(normalized, field, { ...rule, min: Math.max(rule.min, 1) }) : null;
}

/**
 * The start of a text for a preview (a notification, an order summary): one line of at most `max`
 * characters, cut at a word where it can be, with an ellipsis when cut. It cuts between code points,
 * never inside an emoji's UTF-16 pair: half a pair is not text and breaks what shows it.
 */
export function excerpt(value: string, max = 80): string {
  const flat = [...value.replace(/\s+/g, ' ').trim()];
  if (flat.length <= max) return flat.join('');
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).join('')}…`;
}
