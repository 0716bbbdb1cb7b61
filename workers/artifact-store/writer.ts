// Puts screenshots into the bucket under their deterministic keys. Idempotent by construction:
// a key always names the same bytes (the key is derived from the robot, result, step and ordinal;
// schemas/object-key.ts), so a redelivery or a replay overwrites an object with itself, and
// another robot's run with the same result_id has keys of its own.
import type { Client } from 'minio';
import type { SynthArtifact } from '../../schemas/record-types.ts';

export interface StoreArtifactsOptions {
  /** Puts in flight at once per batch. */
  concurrency: number;
}

export const defaultStoreArtifactsOptions: StoreArtifactsOptions = { concurrency: 8 };

/** The headers an object is stored with: its content type and where it came from. */
export function objectMetadata(artifact: SynthArtifact): Record<string, string> {
  return {
    'Content-Type': artifact.content_type,
    // Sent as x-amz-meta-* by the client; read back from statObject().metaData.
    'result-id': artifact.result_id,
    'transaction-id': artifact.transaction_id,
    'step-index': String(artifact.step_index),
    ordinal: String(artifact.ordinal),
    sha256: artifact.sha256,
    'captured-at': artifact.captured_at.toISOString(),
  };
}

/**
 * Store every artifact; resolves once all of them are stored. On a failure no new put starts, the
 * ones in flight are awaited (so nothing of this batch is still writing when it is retried) and
 * the first error is thrown.
 */
export async function storeArtifacts(
  client: Pick<Client, 'putObject'>,
  bucket: string,
  artifacts: SynthArtifact[],
  options: StoreArtifactsOptions = defaultStoreArtifactsOptions,
): Promise<void> {
  // The same key twice in a batch is the same object: put it once.
  const byKey = new Map<string, SynthArtifact>();
  for (const artifact of artifacts) byKey.set(artifact.object_key, artifact);
  const pending = [...byKey.values()];

  let failure: { error: unknown } | undefined;
  let next = 0;
  async function putRemaining(): Promise<void> {
    while (failure === undefined && next < pending.length) {
      const artifact = pending[next++] as SynthArtifact;
      try {
        await client.putObject(
          bucket,
          artifact.object_key,
          artifact.data,
          artifact.data.length,
          objectMetadata(artifact),
        );
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  const lanes = Math.max(1, Math.min(options.concurrency, pending.length));
  await Promise.all(Array.from({ length: lanes }, putRemaining));
  if (failure !== undefined) throw failure.error;
}
