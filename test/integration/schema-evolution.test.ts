// The registry enforces BACKWARD_TRANSITIVE on our subjects: a change that would make old data
// unreadable is refused by `schemas check`, a compatible one passes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transactionResultSchema } from '../../schemas/index.ts';
import { topics, valueSubject } from '../../topics/catalog.ts';
import { checkCompatibility, getCompatibility } from '../../topics/registry.ts';
import { stack } from './stack.ts';

const subject = valueSubject(topics.synthResults.name);
const current = transactionResultSchema.schema as { fields: object[] };

test('the results subject is registered with BACKWARD_TRANSITIVE', async () => {
  assert.equal(await getCompatibility(stack.registryUrl(), subject), 'BACKWARD_TRANSITIVE');
});

test('the working copy is compatible with what is registered', async () => {
  const verdict = await checkCompatibility(stack.registryUrl(), subject, current);
  assert.equal(verdict.compatible, true, verdict.messages.join('; '));
});

test('a new field without a default is refused; with a default it is accepted', async () => {
  const withRequired = { ...current, fields: [...current.fields, { name: 'browser', type: 'string' }] };
  const refused = await checkCompatibility(stack.registryUrl(), subject, withRequired);
  assert.equal(refused.compatible, false);
  const withDefault = {
    ...current,
    fields: [...current.fields, { name: 'browser', type: ['null', 'string'], default: null }],
  };
  const accepted = await checkCompatibility(stack.registryUrl(), subject, withDefault);
  assert.equal(accepted.compatible, true, accepted.messages.join('; '));
});
