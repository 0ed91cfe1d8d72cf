// How @platformatic/kafka's failures become the platform's: the same codes and retry verdicts the kafkajs adapter
// gives (kafkajs-client.ts), so the outbox, the consumer runtime and classifyError cannot tell the clients apart.
//
// The library's errors are GenericErrors with a `code` (PLT_KFK_*) and a `canRetry` flag. A broker's answer is a
// ProtocolError (code PLT_KFK_PROTOCOL) naming Kafka's error in `apiId`; retries and per-broker sends wrap them in
// MultipleErrors (an AggregateError: `errors`), and some in `cause`. These are read by shape, not by class, so that
// this module needs nothing of the library at run time.
import { PlatformError } from '@kafka-platform/core';

interface PlatformaticErrorShape {
  readonly code?: unknown;
  readonly apiId?: unknown;
  readonly canRetry?: unknown;
  readonly message?: unknown;
  readonly serverErrorMessage?: unknown;
  readonly errors?: unknown;
  readonly cause?: unknown;
}

/** The first error in the chain (itself, `errors`, `cause`) that matches, depth first; undefined when none. */
export function findInChain(
  error: unknown,
  matches: (candidate: PlatformaticErrorShape) => boolean,
  depth = 0,
): PlatformaticErrorShape | undefined {
  if (!error || typeof error !== 'object' || depth > 8) return undefined;
  const candidate = error as PlatformaticErrorShape;
  if (matches(candidate)) return candidate;
  const inner = [...(Array.isArray(candidate.errors) ? candidate.errors : []), candidate.cause];
  for (const next of inner) {
    const found = findInChain(next, matches, depth + 1);
    if (found) return found;
  }
  return undefined;
}

const isProtocolError = (error: PlatformaticErrorShape) =>
  error.code === 'PLT_KFK_PROTOCOL' && typeof error.apiId === 'string';

/**
 * The broker refused the credentials (SASL). The library reports it as the `cause` of a retryable network error,
 * so it retries it like an unreachable broker (about 6 s) and the retry verdict on top says "retry": the inner
 * AuthenticationError (canRetry=false) is what to report, as kafkajs reports its SASL error (not retriable, and
 * not a refusal of the write).
 */
export function authenticationFailure(error: unknown): Error | undefined {
  const failure = findInChain(error, (candidate) => candidate.code === 'PLT_KFK_AUTHENTICATION');
  return failure instanceof Error ? failure : undefined;
}

/**
 * Makes sure the broker answers, as kafkajs' connect() does: one attempt first, so that refused credentials fail at
 * once (kafkajs does not retry them either), then the usual retries for a broker that is not there yet.
 */
export async function reach(client: {
  metadata(options: { topics: string[]; retries?: number }): Promise<unknown>;
}): Promise<void> {
  try {
    await client.metadata({ topics: [], retries: 0 });
    return;
  } catch (error) {
    const refused = authenticationFailure(error);
    if (refused) throw refused;
  }
  try {
    await client.metadata({ topics: [] });
  } catch (error) {
    throw authenticationFailure(error) ?? error;
  }
}

/** Kafka's own error name (NOT_ENOUGH_REPLICAS, TOPIC_AUTHORIZATION_FAILED...) somewhere in the chain, if any. */
export function kafkaErrorName(error: unknown): string | undefined {
  return findInChain(error, isProtocolError)?.apiId as string | undefined;
}

/**
 * A write the brokers answered with an error, as a PlatformError whose code is Kafka's error name and whose
 * retryable flag is Kafka's own verdict (the library's `canRetry`, from Kafka's error table): the outbox parks what
 * can never pass and waits out what can. Same contract as the kafkajs adapter's brokerRefusal.
 */
export function brokerRefusal(error: unknown): PlatformError | undefined {
  // Refused credentials are the connection's failure, not the write's: never a record to park.
  if (authenticationFailure(error)) return undefined;
  const refusal = findInChain(error, isProtocolError);
  if (!refusal) return undefined;
  const detail = typeof refusal.serverErrorMessage === 'string' ? refusal.serverErrorMessage : refusal.message;
  return new PlatformError(
    refusal.apiId as string,
    `Kafka refused the write: ${refusal.apiId as string} (${typeof detail === 'string' ? detail : 'no detail'})`,
    refusal.canRetry === true,
    { cause: error },
  );
}

/**
 * The library answers a metadata request for a missing topic with a UserError "Unknown topic <name>." (its
 * metadata code turns Kafka's UNKNOWN_TOPIC_OR_PARTITION into that message and drops the code), so the message is
 * the only mark of it.
 */
export function isUnknownTopic(error: unknown): boolean {
  return Boolean(
    findInChain(
      error,
      (candidate) =>
        candidate.apiId === 'UNKNOWN_TOPIC_OR_PARTITION' ||
        (candidate.code === 'PLT_KFK_USER' &&
          typeof candidate.message === 'string' &&
          candidate.message.startsWith('Unknown topic ')),
    ),
  );
}

/**
 * Whether the client may get over a failure by trying again (a broker gone, a leader moving, a rebalance): no error
 * in the chain says otherwise. Timeouts carry canRetry=false (the library will not resend a request that may have
 * arrived) but are an outage all the same; refusals such as an authorization failure or a missing topic are not.
 */
export function isRetriable(error: unknown): boolean {
  return !findInChain(
    error,
    (candidate) =>
      typeof candidate.code === 'string' &&
      candidate.code.startsWith('PLT_KFK_') &&
      candidate.code !== 'PLT_KFK_NETWORK' &&
      candidate.canRetry === false,
  );
}

export const unknownTopic = (topic: string, cause?: unknown) =>
  new PlatformError(
    'UNKNOWN_TOPIC',
    `Topic "${topic}" does not exist. Topics are created from the event catalog (ensureTopics), never on first use.`,
    false,
    { cause },
  );
