// The MinIO (S3) side of the artifact-store: a client from the `minio` config section, the bucket
// made sure of at start, and which store errors are about the object rather than the store.
import { type Client, InvalidObjectNameError, S3Error } from 'minio';
import type { FailureKind } from '../failures.ts';
import { classifyFailure } from '../failures.ts';

// The client itself is core's (core/minio-client.ts): the console reads the same bucket.
export {
  defaultMinioClientOptions,
  type MinioClientOptions,
  minioClientFromConfig,
} from '../../core/minio-client.ts';

// Another instance (or a previous start) created it in between: that is the outcome we wanted.
const bucketAlreadyThere = new Set(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']);

/** Create the bucket unless it exists; safe when several instances start at once. */
export async function ensureBucket(
  client: Pick<Client, 'bucketExists' | 'makeBucket'>,
  bucket: string,
  region: string,
): Promise<'created' | 'exists'> {
  if (await client.bucketExists(bucket)) return 'exists';
  try {
    await client.makeBucket(bucket, region);
    return 'created';
  } catch (error) {
    if (error instanceof S3Error && bucketAlreadyThere.has(error.code ?? '')) return 'exists';
    throw error;
  }
}

// S3 answers that refuse the object itself: sending it again cannot succeed.
const objectRefusedCodes = new Set([
  'InvalidObjectName',
  'KeyTooLongError',
  'EntityTooLarge',
  'InvalidDigest',
  'BadDigest',
  'MetadataTooLarge',
]);

/**
 * Refusals of an object are poison; everything else (MinIO down, network, throttling, a missing
 * bucket, a credential problem an operator can fix) is waited out as lag.
 */
export function classifyStoreFailure(error: unknown): FailureKind {
  if (error instanceof InvalidObjectNameError) return 'poison';
  if (error instanceof S3Error && objectRefusedCodes.has(error.code ?? '')) return 'poison';
  return classifyFailure(error);
}
