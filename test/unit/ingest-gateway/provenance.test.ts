// The provenance header: the id of the key that authenticated the request, and no header at all —
// an error instead — for a request that no key authenticated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request } from 'express';
import { apiKeyIdHeader, provenanceOf } from '../../../ingest-gateway/provenance.ts';

test('the records of a request name the id of the key that authenticated it', () => {
  const request = {
    apiKey: { id: 'config:robot', name: 'robot', scopes: ['results:write'], robotId: undefined },
  };
  assert.deepEqual(provenanceOf(request as unknown as Request), { [apiKeyIdHeader]: 'config:robot' });
});

test('a request no key authenticated has no provenance: asking for it throws', () => {
  assert.throws(() => provenanceOf({} as Request), /no API key authenticated/);
});
