// Who a record came from: every record the gateway publishes for a request carries, in a Kafka
// header, the id of the API key that authenticated the request (docs/CONTRACT.md "Provenance"). For
// audit, and so that a reader of a shared topic can tell one client's records from another's.
import type { Request } from 'express';
import type { Headers } from '../topics/port.ts';

/** The header naming the key: a managed key's id, or `config:<name>` for a key from the config file. */
export const apiKeyIdHeader = 'primoart.api_key_id';

/**
 * The provenance headers for the records of `request`. A request no key authenticated has nothing
 * to publish: asking for its headers is a bug, answered as a 500 rather than with an unattributed record.
 */
export function provenanceOf(request: Request): Headers {
  const id = request.apiKey?.id;
  if (id === undefined) throw new Error('publishing for a request that no API key authenticated');
  return { [apiKeyIdHeader]: id };
}
