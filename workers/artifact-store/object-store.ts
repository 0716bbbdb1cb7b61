// The MinIO (S3) side of the artifact-store: a client from the `minio` config section, the bucket
// made sure of at start, and which store errors are about the object rather than the store.
import http from 'node:http';
import https from 'node:https';
import { Client, InvalidObjectNameError, S3Error } from 'minio';
import type { MinioConfig } from '../../core/config-schema.ts';
import type { FailureKind } from '../failures.ts';
import { classifyFailure } from '../failures.ts';

export interface MinioClientOptions {
  /** A request whose connection stays silent this long fails (and is retried) instead of hanging. */
  stalledAfterMs: number;
}

export const defaultMinioClientOptions: MinioClientOptions = { stalledAfterMs: 30_000 };

/**
 * The minio client sets no timeout of its own: a frozen MinIO would hold a batch forever. Sockets
 * of this agent are closed after `stalledAfterMs` without traffic, which fails the request in
 * flight as a connection reset (a transient failure); idle pooled sockets just go.
 */
function agentClosingStalledSockets(useSSL: boolean, stalledAfterMs: number): http.Agent {
  const options = { keepAlive: true, timeout: stalledAfterMs };
  const agent = useSSL ? new https.Agent(options) : new http.Agent(options);
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (connectOptions, callback) => {
    const socket = createConnection(connectOptions, callback);
    socket?.on('timeout', () => socket.destroy());
    return socket;
  };
  return agent;
}

export function minioClientFromConfig(
  config: MinioConfig,
  options: MinioClientOptions = defaultMinioClientOptions,
): Client {
  const endpoint = new URL(config.endpoint);
  const useSSL = endpoint.protocol === 'https:';
  return new Client({
    endPoint: endpoint.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: endpoint.port === '' ? (useSSL ? 443 : 80) : Number(endpoint.port),
    useSSL,
    accessKey: config.access_key,
    secretKey: config.secret_key,
    region: config.region,
    // Object keys are paths under one bucket; path-style works for MinIO and S3 alike.
    pathStyle: true,
    transportAgent: agentClosingStalledSockets(useSSL, options.stalledAfterMs),
  });
}

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
