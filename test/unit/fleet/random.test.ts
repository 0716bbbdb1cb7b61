import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom, streamSeed } from '../../../scripts/fleet/random.ts';

const draws = (seed: number, count: number) => {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => random.next());
};

test('the same seed gives the same sequence, another seed a different one', () => {
  assert.deepEqual(draws(42, 100), draws(42, 100));
  assert.notDeepEqual(draws(42, 100), draws(43, 100));
});

test('uniforms lie in [0, 1) and fill it evenly', () => {
  const values = draws(7, 100_000);
  assert.ok(values.every((value) => value >= 0 && value < 1));
  const deciles = Array.from({ length: 10 }, () => 0);
  for (const value of values) deciles[Math.floor(value * 10)] = (deciles[Math.floor(value * 10)] ?? 0) + 1;
  // Each decile expects 10 000 ± 95 (binomial sd); 600 is over 6 sd.
  for (const count of deciles) assert.ok(Math.abs(count - 10_000) < 600, `decile count ${count}`);
});

test('normals have mean 0 and standard deviation 1', () => {
  const random = seededRandom(11);
  const values = Array.from({ length: 100_000 }, () => random.normal());
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  // Standard errors: 0.003 for the mean, 0.0022 for the sd.
  assert.ok(Math.abs(mean) < 0.015, `mean ${mean}`);
  assert.ok(Math.abs(sd - 1) < 0.015, `sd ${sd}`);
  const beyond = values.filter((value) => value > 1.2815515655446004).length / values.length;
  assert.ok(Math.abs(beyond - 0.1) < 0.005, `share above z90 ${beyond}`);
});

test('uuids are version-4 shaped and distinct', () => {
  const random = seededRandom(3);
  const ids = Array.from({ length: 1000 }, () => random.uuid());
  for (const id of ids)
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(new Set(ids).size, ids.length);
});

test('stream seeds differ by name and by fleet seed', () => {
  assert.notEqual(streamSeed(1, 'a|frankfurt'), streamSeed(1, 'a|singapore'));
  assert.notEqual(streamSeed(1, 'a|frankfurt'), streamSeed(2, 'a|frankfurt'));
  assert.equal(streamSeed(1, 'a|frankfurt'), streamSeed(1, 'a|frankfurt'));
});
