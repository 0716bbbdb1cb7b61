// The normaliser of what robots send into Alerta's key fields and shown text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertaSchema } from '../../../../core/config-schema.ts';
import { alertaEnvironments } from '../../../../infra/stack/services/alerta.ts';
import {
  alertaEnvironmentOf,
  keyField,
  keyFieldMaxLength,
  shownText,
  textMaxLength,
} from '../../../../workers/alerta-forwarder/alert-text.ts';
import {
  defaultForwarderOptions,
  forwarderOptionsFromConfig,
} from '../../../../workers/alerta-forwarder/forwarder-options.ts';

test('key fields: control and format characters out, whitespace collapsed, no angle brackets, NFC', () => {
  assert.equal(keyField('  a\r\nb\t\tc  ', 'x'), 'a b c');
  assert.equal(keyField('a\u0000b\u001bc\u007fd\u0085e', 'x'), 'a b c d e');
  assert.equal(keyField('zero\u200Bwidth\u202Eflip\uFEFF', 'x'), 'zerowidthflip');
  assert.equal(keyField('line\u2028sep\u2029par', 'x'), 'line sep par');
  assert.equal(keyField('<script>alert(1)</script>', 'x'), 'scriptalert(1)/script');
  assert.equal(keyField('Cafe\u0301', 'x'), 'Caf\u00e9', 'NFC: one spelling of the same text');
  assert.equal(keyField('\r\n\t \u200B', 'fallback'), 'fallback');
  assert.equal(keyField('München/Zürich ✓', 'x'), 'München/Zürich ✓', 'printable Unicode stays');
});

test('a long key field is capped deterministically; different long values stay different', () => {
  const long = 'a'.repeat(1000);
  const capped = keyField(long, 'x');
  assert.equal(Array.from(capped).length, keyFieldMaxLength);
  assert.match(capped, /~[0-9a-f]{8}$/);
  assert.equal(keyField(long, 'x'), capped, 'the same input, the same field');
  assert.notEqual(keyField(`${long}b`, 'x'), capped);
  const emoji = keyField('😀'.repeat(400), 'x');
  assert.ok(emoji.isWellFormed(), 'never cut inside a surrogate pair');
  assert.equal(
    keyField('x'.repeat(keyFieldMaxLength), 'x'),
    'x'.repeat(keyFieldMaxLength),
    'at the cap: unchanged',
  );
});

test('shown text is HTML-escaped plain text without control characters, capped', () => {
  assert.equal(
    shownText(`<script>alert("x")</script> & 'y'`),
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
  );
  assert.equal(shownText('a\r\nb\u0000c\u202Ed'), 'a  b cd');
  const capped = shownText('<'.repeat(textMaxLength + 10));
  assert.ok(capped.endsWith('…'));
  assert.equal(capped.length, (textMaxLength - 1) * 4 + 1, 'capped before escaping');
});

test('environments: allowed ones in their exact spelling, mapped ones, the rest to the unknown target', () => {
  const mapping = {
    allowed: ['production', 'staging', 'test'],
    map: { QA: 'test', 'Pre Prod': 'staging' },
    unknown: 'production',
  };
  assert.equal(alertaEnvironmentOf('Production', mapping), 'production');
  assert.equal(alertaEnvironmentOf('qa', mapping), 'test');
  assert.equal(alertaEnvironmentOf('pre\r\nprod', mapping), 'staging');
  assert.equal(alertaEnvironmentOf('<qa>', mapping), 'test');
  assert.equal(alertaEnvironmentOf('anything', mapping), 'production');
  assert.equal(alertaEnvironmentOf('', mapping), 'production');
});

test("the forwarder's default allowed environments are the stack Alerta's, and every default maps into them", () => {
  assert.deepEqual([...defaultForwarderOptions.allowedEnvironments], alertaEnvironments);
  for (const target of [
    ...Object.values(defaultForwarderOptions.environmentMap),
    defaultForwarderOptions.unknownEnvironment,
  ]) {
    assert.ok(alertaEnvironments.includes(target), target);
  }
});

test('a config that maps an environment to one Alerta does not allow is refused at start', () => {
  const alerta = { url: 'http://alerta', api_key: 'k' };
  const fromSection = (section: object) =>
    forwarderOptionsFromConfig(alertaSchema.parse({ ...alerta, ...section }));
  const options = fromSection({ environment_map: { QA: 'staging', perf: 'test' } });
  assert.equal(options.environmentMap.QA, 'staging');
  assert.equal(options.environmentMap.dev, 'development', 'the defaults stay');
  assert.throws(
    () => fromSection({ environment_map: { qa: 'qa' } }),
    /environment qa maps to 'qa', which is not one of allowed_environments/,
  );
  assert.throws(
    () => fromSection({ allowed_environments: ['prod'], environment_map: {} }),
    /not one of allowed_environments \(prod\)/,
  );
  const custom = fromSection({
    allowed_environments: ['Prod', 'QA'],
    environment_map: Object.fromEntries(
      Object.keys(defaultForwarderOptions.environmentMap).map((name) => [name, 'QA']),
    ),
    unknown_environment: 'Prod',
  });
  assert.equal(custom.unknownEnvironment, 'Prod');
});
