import { createRequire } from 'node:module';
import type { ItemToken, ItsFunction, Model, WinkMethods } from 'wink-nlp';

/**
 * Recognises what a message asks for by comparing it with a few example phrasings per intent. Trained in
 * process when constructed; classifying is pure and synchronous.
 *
 * Each text becomes the stems of its content words' lemmas ("Has my package shipped?" → packag, ship), weighted
 * by TF-IDF where the "documents" are the intents: a word that several intents share says little about which one
 * is meant. A message scores, per intent, its cosine similarity to the intent's closest example. The closest
 * example rather than the intents' centroid: a short question matches one phrasing well and would be diluted by
 * the words of all the others.
 */

export interface IntentExamples {
  name: string;
  examples: string[];
}

export interface IntentMatch {
  name: string;
  /** Cosine similarity to the closest example, in [0, 1]. */
  confidence: number;
}

export interface IntentClassifierOptions {
  /** Below this, nothing is close enough and `classify` answers null. */
  minConfidence?: number;
}

/**
 * Measured on help-desk paraphrases (see the spec): a question sharing one of its two content words with an example
 * ("track my parcel" vs "track my order") scores about 0.42, one sharing a single word of three ("open a new
 * account" vs "locked out of my account") about 0.33.
 */
export const DEFAULT_MIN_CONFIDENCE = 0.35;

/**
 * Verbs of asking that winkNLP keeps as content words but that appear in requests of every kind ("I want my money
 * back", "I want to know the weather"); left in, they make unrelated questions look alike.
 */
const REQUEST_WORDS = new Set(['want', 'need', 'like', 'know', 'get', 'help', 'tell', 'let', 'would', 'could']);

type TermVector = Map<string, number>;

interface TrainedIntent {
  name: string;
  examples: TermVector[];
}

let analyser: WinkMethods | undefined;

// Loaded on first use (about 0.2 s) and shared by every classifier. winkNLP is CommonJS, hence require; lemmas
// need the part-of-speech step.
function nlp(): WinkMethods {
  if (!analyser) {
    const require = createRequire(import.meta.url);
    const winkNLP = require('wink-nlp') as (model: Model, pipe?: string[]) => WinkMethods;
    analyser = winkNLP(require('wink-eng-lite-web-model') as Model, ['pos']);
  }
  return analyser;
}

/**
 * The terms a text is compared by: stems of the lemmas of its content words. A text made only of stop words
 * ("what can you do?") keeps all its word lemmas instead, so such questions can still be told apart.
 */
export function termsOf(text: string): string[] {
  const { readDoc, its } = nlp();
  // winkNLP's typings give lemma and stem a signature `out` does not accept; at run time they are ordinary.
  const lemmaOf = its.lemma as unknown as ItsFunction<string>;
  const stemOf = its.stem as unknown as ItsFunction<string>;
  const words: { lemma: string; content: boolean }[] = [];
  readDoc(text)
    .tokens()
    .each((token: ItemToken) => {
      // Contractions winkNLP leaves whole ("i'm", "what's") carry no topic.
      if (token.out(its.type) !== 'word' || token.out(its.normal).includes("'")) return;
      const lemma = token.out(lemmaOf);
      words.push({ lemma, content: !token.out(its.stopWordFlag) && !REQUEST_WORDS.has(lemma) });
    });
  const content = words.filter((word) => word.content);
  const lemmas = (content.length ? content : words).map((word) => word.lemma);
  // A second pass stems the lemmas: "tracking" stays a noun lemma, its stem meets "track".
  return lemmas.length ? readDoc(lemmas.join(' ')).tokens().out(stemOf) : [];
}

function cosine(a: TermVector, b: TermVector): number {
  let dot = 0;
  for (const [term, weight] of a) dot += weight * (b.get(term) ?? 0);
  return dot;
}

function normalised(vector: TermVector): TermVector {
  const length = Math.hypot(...vector.values());
  if (length > 0) for (const [term, weight] of vector) vector.set(term, weight / length);
  return vector;
}

export class IntentClassifier {
  private readonly intents: TrainedIntent[];
  private readonly inverseFrequency = new Map<string, number>();
  /** The weight of a word no example uses. */
  private readonly unseenWeight: number;
  private readonly minConfidence: number;

  constructor(intents: IntentExamples[], options: IntentClassifierOptions = {}) {
    this.minConfidence = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
    const examplesTerms = intents.map((intent) => intent.examples.map(termsOf));
    const intentsUsing = new Map<string, number>();
    for (const terms of examplesTerms) {
      for (const term of new Set(terms.flat())) intentsUsing.set(term, (intentsUsing.get(term) ?? 0) + 1);
    }
    // Smoothed IDF (as scikit-learn's): never zero, so a word every intent uses still counts a little.
    const idf = (using: number) => Math.log((1 + intents.length) / (1 + using)) + 1;
    for (const [term, using] of intentsUsing) this.inverseFrequency.set(term, idf(using));
    // As little as the commonest known word: names of things (a product, a city) are unknown words a question
    // about them carries, and should not drown the words that say what is asked ("search for a linen apron").
    // A question of unknown words only still matches nothing.
    this.unseenWeight = 1;
    this.intents = intents.map((intent, index) => ({
      name: intent.name,
      examples: examplesTerms[index]!.filter((terms) => terms.length).map((terms) => this.vectorOf(terms)),
    }));
  }

  /** Best intent and a confidence in [0,1], or null when nothing is close enough. */
  classify(text: string): IntentMatch | null {
    const question = this.vectorOf(termsOf(text));
    let best: IntentMatch | null = null;
    for (const intent of this.intents) {
      for (const example of intent.examples) {
        const confidence = cosine(question, example);
        if (!best || confidence > best.confidence) best = { name: intent.name, confidence };
      }
    }
    if (!best || best.confidence < this.minConfidence) return null;
    // Rounding noise can put an identical text a hair above 1.
    return { name: best.name, confidence: Math.min(1, Math.round(best.confidence * 1000) / 1000) };
  }

  private vectorOf(terms: string[]): TermVector {
    const vector: TermVector = new Map();
    for (const term of terms) {
      vector.set(term, (vector.get(term) ?? 0) + (this.inverseFrequency.get(term) ?? this.unseenWeight));
    }
    return normalised(vector);
  }
}
