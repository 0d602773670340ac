import { createHash } from 'node:crypto';
import { CompleteUploadDocument, CreateUploadDocument } from '../generated/graphql.js';
import { ok } from './client.js';

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export async function startUpload(
  url: string,
  token: string,
  input: { name: string; mimeType: string; size: number; checksum?: string; fileId?: string },
) {
  return (await ok(url, CreateUploadDocument, { input }, token)).createUpload;
}

/** PUTs bytes to a ticket's URL with the headers the ticket says were signed. */
export function put(ticket: { uploadUrl: string; headers: { name: string; value: string }[] }, bytes: Buffer) {
  const headers = Object.fromEntries(ticket.headers.map((h) => [h.name, h.value]));
  return fetch(ticket.uploadUrl, { method: 'PUT', headers, body: new Uint8Array(bytes) });
}

/**
 * The whole flow a client follows, against the gateway at `url`: a ticket, the bytes PUT to its signed URL, completion.
 */
export async function upload(
  url: string,
  token: string,
  name: string,
  bytes: Buffer,
  options: { mimeType?: string; fileId?: string } = {},
) {
  const mimeType = options.mimeType ?? 'text/plain';
  const ticket = await startUpload(url, token, {
    name,
    mimeType,
    size: bytes.length,
    checksum: sha256(bytes),
    fileId: options.fileId,
  });
  const stored = await put(ticket, bytes);
  if (stored.status !== 200) throw new Error(`PUT answered ${stored.status}`);
  return (await ok(url, CompleteUploadDocument, { uploadId: ticket.uploadId }, token)).completeUpload;
}
