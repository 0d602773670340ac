import { inflateSync } from 'node:zlib';

/**
 * The text a PDF drawn with pdf-lib shows: each compressed content stream inflated, and the strings
 * its `Tj` operators draw (pdf-lib writes them as hex), one per line.
 */
export function pdfText(pdf: Buffer): string {
  const lines: string[] = [];
  for (const [, data] of pdf.toString('latin1').matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(data!, 'latin1')).toString('latin1');
    } catch {
      continue; // not a compressed stream
    }
    for (const [, hex] of content.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g))
      lines.push(Buffer.from(hex!, 'hex').toString('latin1'));
  }
  return lines.join('\n');
}
