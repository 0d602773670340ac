import { inflateSync } from 'node:zlib';

/**
 * The text a PDF drawn with pdf-lib shows: each compressed content stream inflated, and the strings
 * its `Tj` operators draw (pdf-lib writes them as hex), one per line.
 */
export function pdfText(pdf: Buffer): string {
  const lines: string[] = [];
  const text = pdf.toString('latin1');
  // Each stream's bytes, by the `/Length` of its dictionary: compressed bytes may themselves end in what
  // looks like a line break before `endstream` (about one PDF in 300), so the keywords alone cannot say.
  for (const match of text.matchAll(/\/Length (\d+)[^>]*>>\s*stream\r?\n/g)) {
    const start = match.index! + match[0].length;
    const data = text.slice(start, start + Number(match[1]));
    let content: string;
    try {
      content = inflateSync(Buffer.from(data, 'latin1')).toString('latin1');
    } catch {
      continue; // not a compressed stream
    }
    for (const [, hex] of content.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g))
      lines.push(Buffer.from(hex!, 'hex').toString('latin1'));
  }
  return lines.join('\n');
}
