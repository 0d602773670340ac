import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Request, Response } from 'express';
import {
  contentDisposition,
  isObjectKey,
  type DownloadOptions,
  type ObjectStorage,
  type UploadOptions,
} from './object-storage.js';

export interface S3StorageOptions {
  /** For S3-compatible servers (MinIO, s3rver); AWS itself when unset. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `endpoint/bucket/key` URLs, which most self-hosted servers need. */
  forcePathStyle: boolean;
}

/** How long the link behind a `send` redirect lives: enough to start the download. */
const SEND_LINK_SECONDS = 5 * 60;
/** S3's limit on keys per DeleteObjects request. */
const DELETE_BATCH = 1000;

/**
 * Objects in an S3 bucket. Clients PUT to and GET from presigned URLs, so the bytes never pass
 * through PeerLink; an upload URL signs the declared length and type, so S3 refuses any other.
 */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor({ endpoint, region, bucket, accessKeyId, secretAccessKey, forcePathStyle }: S3StorageOptions) {
    this.bucket = bucket;
    this.client = new S3Client({
      endpoint,
      region,
      forcePathStyle,
      credentials: { accessKeyId, secretAccessKey },
      // Otherwise the SDK signs a checksum of the (empty) body into presigned PUT URLs, and every upload fails it.
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
  }

  async signUpload(key: string, { contentType, size, expiresInSeconds }: UploadOptions) {
    // A conditional write: the URL stores the object once and cannot overwrite it afterwards.
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: checked(key),
      ContentType: contentType,
      ContentLength: size,
      IfNoneMatch: '*',
    });
    // The presigner signs the length but leaves the other headers unsigned unless told; all bind the URL to what was
    // declared.
    const url = await getSignedUrl(this.client, command, {
      expiresIn: expiresInSeconds,
      signableHeaders: new Set(['content-length', 'content-type', 'if-none-match']),
    });
    return { url, headers: { 'content-type': contentType, 'if-none-match': '*' } };
  }

  async signDownload(key: string, { fileName, contentType, expiresInSeconds }: DownloadOptions) {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: checked(key),
      ResponseContentDisposition: contentDisposition(fileName),
      ResponseContentType: contentType,
    });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
  }

  async stat(key: string) {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: checked(key) }));
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async sha256(key: string) {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: checked(key) }));
    const hash = createHash('sha256');
    // In Node the SDK's body is a readable stream.
    await pipeline(object.Body as Readable, hash);
    return hash.digest('hex');
  }

  async read(key: string) {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: checked(key) }));
      return object.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async put(key: string, body: Buffer, contentType: string) {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: checked(key), Body: body, ContentType: contentType }),
    );
  }

  async delete(keys: string[]) {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH).map((key) => ({ Key: checked(key) }));
      const { Errors } = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } }),
      );
      // Missing keys are not errors in S3; anything reported here (access, throttling) is real.
      if (Errors?.length)
        throw new Error(`could not delete ${Errors.length} objects: ${Errors[0]?.Key} (${Errors[0]?.Code})`);
    }
  }

  async send(
    key: string,
    { fileName, contentType }: Omit<DownloadOptions, 'expiresInSeconds'>,
    _req: Request,
    res: Response,
  ) {
    res.redirect(302, await this.signDownload(key, { fileName, contentType, expiresInSeconds: SEND_LINK_SECONDS }));
  }

  routes() {
    return null;
  }

  /** Creates the bucket when missing, for embedded servers and tests; production buckets are provisioned. */
  /** Creates the bucket if it does not exist (a fresh MinIO has none). */
  async prepare() {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket })).catch((error) => {
        // Another process created it first (servers differ in which of the two they answer).
        if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
      });
    }
  }

  async close() {
    this.client.destroy();
  }
}

function checked(key: string): string {
  if (!isObjectKey(key)) throw new Error(`not an object key: ${key}`);
  return key;
}

/** HEAD requests carry no error body, so S3 reports a missing object or bucket only by its status. */
function isNotFound(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NotFound' || name === 'NoSuchKey' || name === 'NoSuchBucket' || $metadata?.httpStatusCode === 404;
}
