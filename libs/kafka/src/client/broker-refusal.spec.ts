import { classifyError } from '../errors/platform-error';
import { brokerRefusal } from './kafkajs-client';

const protocolError = (type: string, retriable: boolean) =>
  Object.assign(new Error(`broker says ${type}`), { name: 'KafkaJSProtocolError', type, retriable });

describe('brokerRefusal', () => {
  it("names Kafka's error and keeps its retry verdict, also under kafkajs' retries-exceeded wrapper", () => {
    const wrapped = Object.assign(new Error('retries exceeded'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      retriable: false,
      cause: protocolError('NOT_ENOUGH_REPLICAS', true),
    });
    const refusal = brokerRefusal(wrapped);
    expect(refusal).toMatchObject({ code: 'NOT_ENOUGH_REPLICAS', retryable: true });
    expect(refusal?.message).toContain('NOT_ENOUGH_REPLICAS');
    expect(classifyError(refusal)).toMatchObject({ kind: 'transient' });
    expect(classifyError(brokerRefusal(protocolError('TOPIC_AUTHORIZATION_FAILED', false)))).toMatchObject({
      code: 'TOPIC_AUTHORIZATION_FAILED',
      kind: 'poison',
    });
  });

  it('leaves errors that are not a broker answer alone', () => {
    expect(brokerRefusal(new Error('connect ECONNREFUSED'))).toBeUndefined();
  });
});
