import { PDFDocument, type PDFFont, rgb, StandardFonts } from 'pdf-lib';

export interface CertificateFacts {
  studentName: string;
  courseTitle: string;
  instructorName: string;
  issuedAt: Date;
  verificationUrl: string;
}

const WIDTH = 842; // A4 landscape, in points
const HEIGHT = 595;
const INK = rgb(0.12, 0.14, 0.2);
const MUTED = rgb(0.4, 0.42, 0.48);

/**
 * A one-page PDF, drawn in the process with pdf-lib (no fonts or programs outside it). The standard
 * fonts cover Latin text only, so a character they lack is drawn as "?"; the verification page shows
 * the names exactly.
 */
export async function certificatePdf(facts: CertificateFacts): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  doc.setTitle(`Certificate of completion: ${facts.courseTitle}`);
  doc.setSubject(`${facts.studentName} completed ${facts.courseTitle}, taught by ${facts.instructorName}`);
  doc.setCreator('PeerLink');
  doc.setProducer('PeerLink');
  doc.setCreationDate(facts.issuedAt);
  doc.setModificationDate(facts.issuedAt);
  const page = doc.addPage([WIDTH, HEIGHT]);
  page.drawRectangle({ x: 24, y: 24, width: WIDTH - 48, height: HEIGHT - 48, borderColor: INK, borderWidth: 2 });
  let y = HEIGHT - 130;
  const line = (text: string, font: PDFFont, size: number, color = INK, gap = 18) => {
    const drawable = drawableText(font, text);
    const fitted = fit(font, drawable, size);
    page.drawText(drawable, {
      x: (WIDTH - font.widthOfTextAtSize(drawable, fitted)) / 2,
      y,
      size: fitted,
      font,
      color,
    });
    y -= fitted + gap;
  };
  line('CERTIFICATE OF COMPLETION', bold, 30, INK, 40);
  line('This certifies that', regular, 14, MUTED);
  line(facts.studentName, bold, 32, INK, 24);
  line('completed the course', regular, 14, MUTED);
  line(facts.courseTitle, bold, 24, INK, 24);
  line(`taught by ${facts.instructorName}`, regular, 16);
  line(`on ${facts.issuedAt.toISOString().slice(0, 10)}`, regular, 16, INK, 50);
  line(`Verify at ${facts.verificationUrl}`, regular, 10, MUTED);
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** The text with characters the font cannot draw replaced, so drawing never throws. */
function drawableText(font: PDFFont, text: string): string {
  const known = new Set(font.getCharacterSet());
  return [...text.replace(/\s+/g, ' ').trim()].map((c) => (known.has(c.codePointAt(0)!) ? c : '?')).join('');
}

/** Long titles shrink to fit the page's width. */
function fit(font: PDFFont, text: string, size: number): number {
  const room = WIDTH - 120;
  const width = font.widthOfTextAtSize(text, size);
  return width <= room ? size : Math.max(8, Math.floor((size * room) / width));
}
