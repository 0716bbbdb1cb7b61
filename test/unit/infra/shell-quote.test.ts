import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { exportLines } from '../../../infra/stack/shell-quote.ts';

test('a shell that evaluates the export lines gets every value back exactly', () => {
  const values = {
    PLAIN: 'http://127.0.0.1:18081/apis/ccompat/v7',
    QUOTES: `it's "quoted"`,
    SPECIAL: 'a b $HOME `id` \\ ; & | * ? ~ # !',
    EMPTY: '',
    NEWLINE: 'line one\nline two',
  };
  const script = `${exportLines(values)}printf '%s\\0' "$PLAIN" "$QUOTES" "$SPECIAL" "$EMPTY" "$NEWLINE"`;
  const printed = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
  assert.deepEqual(printed, Object.values(values));
});

test('a name that is not a shell variable is refused rather than printed', () => {
  assert.throws(() => exportLines({ 'BAD-NAME': 'x' }), /not a shell variable name/);
});
