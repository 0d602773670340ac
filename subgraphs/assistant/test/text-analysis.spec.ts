import { describe, expect, it } from 'vitest';
import { analyzeText, guessLanguage, sentimentOf } from '#src/analysis/text-analysis';

const POSITIVE_TEXT = 'I love this course, the teacher is wonderful and it helped me a lot!';
const NEGATIVE_TEXT = 'This is the worst seller ever, the item arrived broken and they ignored me.';
const NEUTRAL_TEXT = 'The package was shipped on Tuesday.';

describe('sentiment', () => {
  // Exact scores: vader-sentiment is pinned (1.1.3), and an exact value also proves the rounding to 3 decimals
  // (the raw compounds are 0.8478 and -0.8591).
  it('scores clearly positive text as POSITIVE', () => {
    expect(analyzeText(POSITIVE_TEXT).sentiment).toEqual({ label: 'POSITIVE', score: 0.848 });
  });

  it('scores clearly negative text as NEGATIVE', () => {
    expect(analyzeText(NEGATIVE_TEXT).sentiment).toEqual({ label: 'NEGATIVE', score: -0.859 });
  });

  it('scores a plain statement as NEUTRAL 0', () => {
    expect(analyzeText(NEUTRAL_TEXT).sentiment).toEqual({ label: 'NEUTRAL', score: 0 });
  });

  it('gives the same answer on the cheap path as in the full analysis', () => {
    for (const text of [POSITIVE_TEXT, NEGATIVE_TEXT, NEUTRAL_TEXT]) {
      expect(sentimentOf(text)).toEqual(analyzeText(text).sentiment);
    }
  });
});

describe('entities', () => {
  it('finds an email, a money amount and a date, with upper-case types', () => {
    const { entities } = analyzeText('Please pay $49.99 by 12 March 2025 and send the receipt to ada@example.com.');
    expect(entities).toEqual(
      expect.arrayContaining([
        { text: 'ada@example.com', type: 'EMAIL' },
        { text: '$49.99', type: 'MONEY' },
        { text: '12 March 2025', type: 'DATE' },
      ]),
    );
  });

  it('lists each entity once, in order of first appearance', () => {
    const { entities } = analyzeText('Write to ada@example.com, or to bob@example.com, or again to ada@example.com.');
    expect(entities).toEqual([
      { text: 'ada@example.com', type: 'EMAIL' },
      { text: 'bob@example.com', type: 'EMAIL' },
    ]);
  });

  it('finds none in text that has none', () => {
    expect(analyzeText('I love this course, the teacher is wonderful').entities).toEqual([]);
  });
});

describe('language', () => {
  it.each([
    ['en', 'The course was great and I learned a lot from the teacher.'],
    ['fr', 'Le cours est très intéressant et le professeur explique bien les exercices.'],
    ['de', 'Der Kurs ist sehr gut und der Lehrer hat mir viel geholfen.'],
  ])('recognises %s', (language, text) => {
    expect(analyzeText(text).language).toBe(language);
  });

  it.each(['ok', 'Die Hard', 'Alice, Bob and Carol'])('answers und for short text: %j', (text) => {
    expect(analyzeText(text).language).toBe('und');
  });

  it('answers und when two languages are about equally likely', () => {
    // Correct Spanish and correct Portuguese alike, and every word but the verb is a function word of both.
    expect(guessLanguage('De que se trata esta reunião?')).toBe('und');
  });
});

describe('empty text', () => {
  it.each(['', '   \n\t '])('is NEUTRAL 0 with no entities and language und: %j', (text) => {
    expect(analyzeText(text)).toEqual({ sentiment: { label: 'NEUTRAL', score: 0 }, entities: [], language: 'und' });
    expect(sentimentOf(text)).toEqual({ label: 'NEUTRAL', score: 0 });
  });
});

describe('the 10 000-character bound', () => {
  // Neutral English filler whose last characters, up to exactly 10 000, are an email; after the bound comes text
  // that would change every answer if it were read: strong praise, another email and a paragraph of French.
  const inside = ' inside@example.com';
  const head = 'The package was shipped. '.repeat(399).padEnd(10_000 - inside.length, ' ') + inside;
  const beyond =
    ' I love it, wonderful and brilliant! outside@example.com ' +
    'Le cours est très intéressant et le professeur explique bien. '.repeat(300);
  const text = head + beyond;

  it('is set up as described', () => {
    expect(head).toHaveLength(10_000);
    expect(head.endsWith('inside@example.com')).toBe(true);
    expect(text.length).toBeGreaterThan(20_000);
  });

  it('reads up to the 10 000th character and nothing after it', () => {
    expect(analyzeText(text)).toEqual({
      sentiment: { label: 'NEUTRAL', score: 0 },
      entities: [{ text: 'inside@example.com', type: 'EMAIL' }],
      language: 'en',
    });
  });

  it('bounds the cheap path too', () => {
    expect(sentimentOf(text)).toEqual({ label: 'NEUTRAL', score: 0 });
    expect(sentimentOf(head + ' I love it, wonderful!').label).toBe('NEUTRAL');
  });

  it('still reads praise that falls inside the bound', () => {
    const praised = 'I love it, wonderful!' + head.slice(21);
    expect(praised).toHaveLength(10_000);
    expect(sentimentOf(praised + beyond).label).toBe('POSITIVE');
  });
});
