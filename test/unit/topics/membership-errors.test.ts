// A commit refused because the member lost its place in the group must reach kafkajs's runner as
// the protocol error itself (it re-joins on that), not wrapped in KafkaJSNonRetriableError (it
// crashes the consumer for good on that). The path through a real broker is exercised by the
// worker-crash integration test under load; here, the unwrapping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { membershipCause } from '../../../topics/kafkajs-adapter.ts';

// Their constructors as kafkajs's JavaScript has them (its typings name fewer arguments).
const KafkaJSNonRetriableError = kafkajs.KafkaJSNonRetriableError as unknown as new (
  error: Error,
  options: { cause: Error },
) => Error;
const KafkaJSProtocolError = kafkajs.KafkaJSProtocolError as unknown as new (error: {
  type: string;
  code: number;
  retriable: boolean;
  message: string;
}) => Error;

const protocolError = (type: string, code: number) =>
  new KafkaJSProtocolError({ type, code, retriable: false, message: `${type} from the broker` });

test('a membership error wrapped by kafkajs is handed on as the protocol error itself', () => {
  for (const [type, code] of [
    ['UNKNOWN_MEMBER_ID', 25],
    ['ILLEGAL_GENERATION', 22],
    ['REBALANCE_IN_PROGRESS', 27],
  ] as const) {
    const cause = protocolError(type, code);
    // As kafkajs's retrier wraps what it gives up on (src/retry/index.js).
    const wrapped = new KafkaJSNonRetriableError(cause, { cause });
    assert.equal(membershipCause(wrapped), cause, type);
    assert.equal(membershipCause(cause), cause, `${type} unwrapped already`);
  }
});

test('any other error is handed on as it came', () => {
  const denied = protocolError('TOPIC_AUTHORIZATION_FAILED', 29);
  const other = new KafkaJSNonRetriableError(denied, { cause: denied });
  assert.equal(membershipCause(other), other);
  const plain = new Error('boom');
  assert.equal(membershipCause(plain), plain);
  assert.equal(membershipCause('not an error'), 'not an error');
});
