import { createRequire } from 'node:module';
import type { Model, WinkMethods } from 'wink-nlp';

/**
 * Sentiment (VADER), entities (winkNLP's English model) and a language guess for a piece of user text.
 * Pure and synchronous; nothing leaves the process.
 */

/** vader-sentiment 1.1.3 ships no types: the one call made here, typed. */
interface Vader {
  SentimentIntensityAnalyzer: { polarity_scores(text: string): { compound: number } };
}
const vader = createRequire(import.meta.url)('vader-sentiment') as Vader;

export type SentimentLabel = 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL';

export interface Sentiment {
  label: SentimentLabel;
  /** VADER's compound score in [-1, 1], rounded to 3 decimals. */
  score: number;
}

export interface TextEntity {
  text: string;
  /** Upper-case, as winkNLP names them: DATE, TIME, MONEY, EMAIL, URL, HASHTAG, MENTION, CARDINAL, ORDINAL, ... */
  type: string;
}

export interface TextAnalysis {
  sentiment: Sentiment;
  entities: TextEntity[];
  /** ISO 639-1 code of one of GUESSED_LANGUAGES, or 'und' (undetermined) when the text does not say clearly. */
  language: string;
}

/**
 * Only the first 10 000 characters are analysed (about three pages). Both libraries take time in proportion to the
 * text and run on the event loop, so an unbounded paste would stall every other request; the opening of a text is
 * what tells its tone, topic and language anyway.
 */
export const MAX_ANALYSED_CHARS = 10_000;

/** VADER's published cut-offs for its compound score. */
const POSITIVE_FROM = 0.05;
const NEGATIVE_FROM = -0.05;

export const UNDETERMINED_LANGUAGE = 'und';

const NEUTRAL: Sentiment = { label: 'NEUTRAL', score: 0 };

function bounded(text: string): string {
  return text.length > MAX_ANALYSED_CHARS ? text.slice(0, MAX_ANALYSED_CHARS) : text;
}

function scoreSentiment(text: string): Sentiment {
  const compound = vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
  // `|| 0` turns a rounded -0 into 0. The label reads the rounded score so the two never disagree at the cut-offs.
  const score = Math.round(compound * 1000) / 1000 || 0;
  const label = score >= POSITIVE_FROM ? 'POSITIVE' : score <= NEGATIVE_FROM ? 'NEGATIVE' : 'NEUTRAL';
  return { label, score };
}

/** The cheap path, for every chat message: VADER only, no entity model. */
export function sentimentOf(text: string): Sentiment {
  const analysed = bounded(text);
  return analysed.trim() ? scoreSentiment(analysed) : { ...NEUTRAL };
}

// Loading the model and building its pipeline take about 0.3 s, so that happens on the first analyzeText call, not
// on import: a process that only calls sentimentOf never pays for it. Both packages are CommonJS, hence require.
let entityModel: WinkMethods | undefined;
function entityNlp(): WinkMethods {
  if (!entityModel) {
    const require = createRequire(import.meta.url);
    const winkNLP = require('wink-nlp') as (model: Model, pipe?: string[]) => WinkMethods;
    // Only the named-entity step: sentences, negation, POS and winkNLP's own sentiment are not needed here.
    entityModel = winkNLP(require('wink-eng-lite-web-model') as Model, ['ner']);
  }
  return entityModel;
}

/** Entities in order of first appearance, each text-and-type pair once. */
function findEntities(text: string): TextEntity[] {
  const nlp = entityNlp();
  const details = nlp.readDoc(text).entities().out(nlp.its.detail);
  const seen = new Set<string>();
  const entities: TextEntity[] = [];
  for (const detail of details) {
    // out(its.detail) is typed as Detail[] | string[]; it always gives details, but a string would have no type.
    if (typeof detail === 'string') continue;
    const entity = { text: detail.value, type: detail.type.toUpperCase() };
    const key = `${entity.type}\u0000${entity.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entities.push(entity);
  }
  return entities;
}

/**
 * The most frequent function words of each language. Frequent words are what a short text is made of, and the
 * lists overlap (de, la, que, e, in, is...) exactly where the languages do, so a shared word counts for every
 * language that has it and only the words a language does not share can make it win.
 */
const wordSet = (words: string): ReadonlySet<string> => new Set(words.split(' '));

const STOP_WORDS: Record<string, ReadonlySet<string>> = {
  en: wordSet(
    'the a an and is are was were of to in that it for with this on i you me my we they not no be have has had but ' +
      'at from by or will would what there their been very',
  ),
  fr: wordSet(
    'le la les et est sont un une des du de que qui pas ne pour dans avec sur ce cette je il elle nous vous au aux ' +
      'a en se mais très été être ou son sa ses mon ma mes',
  ),
  de: wordSet(
    'der die das und ist sind nicht ein eine einen dem den des mit zu von für auf ich du er sie wir es auch aber ' +
      'in was wie war wurde sehr noch im bei aus hat mir mich',
  ),
  es: wordSet(
    'el la los las y es son un una de del que no por para con en se lo su muy pero como está yo al más fue hay ' +
      'a este esta me mi',
  ),
  it: wordSet(
    'il la lo gli le e è sono un una di del della che non per con in si mi ma come molto questo questa io ho ha ' +
      'a i anche nel alla dei delle',
  ),
  pt: wordSet(
    'o a os as e é são um uma de do da dos das que não por para com em se no na muito mas como eu foi ele ela ' +
      'isso este esta me',
  ),
  nl: wordSet(
    'de het een en is zijn van dat die niet met voor op te in ik je we wij ze maar ook als er was heel erg naar om ' +
      'aan bij dit deze wordt heb heeft veel uit',
  ),
};

export const GUESSED_LANGUAGES = Object.keys(STOP_WORDS);

/** Below this many stop-word hits the evidence is a coincidence ("ok", "Die Hard", a list of names). */
const MIN_HITS = 3;
/** The winner must beat the runner-up by half again; closer than that (Spanish vs Portuguese, say) is a coin toss. */
const MIN_LEAD = 1.5;

/**
 * The English model cannot tell languages apart, and a real identifier (n-gram profiles over ~100 languages) is a
 * dependency of its own. Counting function words is enough to tell apart the seven languages listed here, as long
 * as it answers 'und' rather than guess when the evidence is thin or split.
 */
export function guessLanguage(text: string): string {
  // NFC so that an accent typed as a combining mark (e + ´) stays inside its word: "été" must match "été".
  const words =
    bounded(text)
      .normalize('NFC')
      .toLowerCase()
      .match(/\p{L}+/gu) ?? [];
  const [best, runnerUp] = Object.entries(STOP_WORDS)
    .map(([language, stopWords]) => ({ language, count: words.filter((word) => stopWords.has(word)).length }))
    .sort((a, b) => b.count - a.count);
  if (best.count < MIN_HITS || best.count < runnerUp.count * MIN_LEAD) return UNDETERMINED_LANGUAGE;
  return best.language;
}

export function analyzeText(text: string): TextAnalysis {
  const analysed = bounded(text);
  if (!analysed.trim()) return { sentiment: { ...NEUTRAL }, entities: [], language: UNDETERMINED_LANGUAGE };
  return { sentiment: scoreSentiment(analysed), entities: findEntities(analysed), language: guessLanguage(analysed) };
}
