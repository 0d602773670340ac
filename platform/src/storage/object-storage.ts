import type { Readable } from 'node:stream';
import type { Request, Response, Router } from 'express';

/** How an object is offered for download: the name and type the browser sees. */
export interface DownloadOptions {
  fileName: string;
  contentType: string;
  expiresInSeconds: number;
  /** The origin the client called, for adapters that serve through the gateway's /files. */
  origin?: string;
}

export interface SignedUpload {
  url: string;
  headers: Record<string, string>;
}

export interface UploadOptions {
  contentType: string;
  /** The size the client declared; more bytes than this are refused where the adapter can. */
  size: number;
  expiresInSeconds: number;
  origin?: string;
}

/**
 * Where file bytes live. Bytes never pass through GraphQL: clients PUT to and GET from signed,
 * expiring URLs the adapter makes. LocalStorage (embedded default) keeps objects on disk and
 * serves them under the gateway's `/files`; S3Storage (`S3_BUCKET`, with `S3_ENDPOINT` for MinIO and the like) hands
 * out presigned S3 URLs.
 */
export interface ObjectStorage {
  readonly kind: 'local' | 's3';
  /**
   * Readies the store for the subgraph that keeps files (S3: the bucket exists, and a wrong
   * endpoint or key fails here rather than on the first upload). Other processes never call it.
   */
  prepare(): Promise<void>;
  /** A URL that accepts one PUT of the object's bytes until it expires, and the headers the PUT must carry. */
  signUpload(key: string, options: UploadOptions): Promise<SignedUpload>;
  /** A URL that serves the object, with Range requests, until it expires. */
  signDownload(key: string, options: DownloadOptions): Promise<string>;
  /** The stored object's size, or null when there is none. */
  stat(key: string): Promise<{ size: number } | null>;
  /** SHA-256 (hex) of the stored bytes, read through once. */
  sha256(key: string): Promise<string>;
  /** The stored bytes as a stream, for server-side work on them (transcoding); null when there is no object. */
  read(key: string): Promise<Readable | null>;
  /** Stores bytes directly (server-side writes, tests). */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** Removes objects; missing ones are ignored. */
  delete(keys: string[]): Promise<void>;
  /** Answers a request for the object: streamed from disk, or redirected to a fresh signed URL. */
  send(key: string, options: Omit<DownloadOptions, 'expiresInSeconds'>, req: Request, res: Response): Promise<void>;
  /** Routes the adapter itself serves under `/files` (the local adapter's signed PUT and GET). */
  routes(): Router | null;
  close(): Promise<void>;
}

/** Object keys are ours, never the client's: lowercase letters, digits, dashes and slashes. */
export const isObjectKey = (key: string) => /^[a-z0-9-]+(\/[a-z0-9-]+)*$/.test(key) && key.length <= 200;

/** `Content-Disposition` for a download, safe for any file name. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
