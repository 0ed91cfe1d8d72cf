// The schema registry's Confluent-compatible REST API (Confluent Schema Registry, or Apicurio's /apis/ccompat/v7)
// as plain HTTP requests: what the schemas command and the codec register and look up schemas with.
//
// Why not @kafkajs/confluent-schema-registry's register(): it compares the subject's own compatibility level
// (GET /config/{subject}) with one it expects and refuses on a mismatch, and on a subject's first registration it
// writes that level to the subject (PUT /config/{subject}), which then overrides the registry's global rule. Apicurio
// answers NONE for a subject without a rule of its own, so a subject the schemas command registered would be refused,
// and one the client registered would stay on BACKWARD instead of the platform's global BACKWARD_TRANSITIVE. These
// requests leave subject-level settings alone: the registry's global rule decides.

export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
}

export interface RegistryApiOptions {
  /** The Confluent-compatible API, e.g. http://localhost:8081/apis/ccompat/v7. */
  readonly url: string;
  readonly auth?: RegistryAuth;
  readonly timeoutMs?: number;
}

/** The registry answered, with an error: its HTTP status, Confluent's `error_code` and its message. */
export class RegistryHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryHttpError';
  }
}

/** The registry did not answer at all: unknown host, connection refused, no answer in time. */
export class RegistryUnreachableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryUnreachableError';
  }
}

export interface RegisteredVersion {
  /** The schema id records carry (the Confluent wire format's 4 bytes). */
  readonly id: number;
  /** The schema's version number under the subject, as the registry counts. */
  readonly version: number;
}

export interface CompatibilityAnswer {
  readonly compatible: boolean;
  /** Why not, as the registry says it (Confluent's `?verbose=true` messages); empty when it says nothing. */
  readonly messages: readonly string[];
}

/** One reason Apicurio gives for refusing a schema: what is wrong, and where in the new schema (a JSON pointer). */
export interface IncompatibilityCause {
  readonly description: string;
  readonly context?: string;
}

// Confluent's error codes for "no such subject" and "no such schema under the subject" (both HTTP 404).
const SUBJECT_NOT_FOUND = 40401;
const SCHEMA_NOT_FOUND = 40403;
const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export class RegistryApi {
  readonly url: string;
  private readonly authorization?: string;
  private readonly timeoutMs: number;

  constructor(options: RegistryApiOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (options.auth) {
      const { username, password } = options.auth;
      this.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
  }

  /** The registry's global compatibility level (GET /config): BACKWARD_TRANSITIVE, BACKWARD, ... or NONE. */
  async globalCompatibility(): Promise<string> {
    // The first request of a run: an answer that is no registry's says so, naming the URL.
    const answer = await this.request('GET', '/config');
    const body = answer.body as { compatibilityLevel?: unknown; compatibility?: unknown } | undefined;
    const level = body?.compatibilityLevel ?? body?.compatibility;
    if (answer.status === 401 || answer.status === 403) {
      throw new RegistryHttpError(
        answer.status,
        undefined,
        `the schema registry at ${this.url} refused the request (HTTP ${answer.status}): check SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD`,
      );
    }
    if (answer.status !== 200 || typeof level !== 'string') {
      throw new RegistryHttpError(
        answer.status,
        undefined,
        `${this.url} does not answer as a Confluent-compatible schema registry (GET /config answered HTTP ${answer.status}${typeof level === 'string' ? '' : ' without a compatibilityLevel'})`,
      );
    }
    return level.toUpperCase();
  }

  /** The versions registered under a subject, ascending; empty when the subject does not exist. */
  async subjectVersions(subject: string): Promise<number[]> {
    const answer = await this.request('GET', `/subjects/${encodeURIComponent(subject)}/versions`);
    if (isNotFound(answer, SUBJECT_NOT_FOUND)) return [];
    const body = this.ok('GET', `/subjects/${subject}/versions`, answer);
    return (Array.isArray(body) ? body : []).map(Number).sort((a, b) => a - b);
  }

  /** The id and version a schema has under a subject; undefined when it is not registered there. */
  async lookup(subject: string, schema: string): Promise<RegisteredVersion | undefined> {
    const answer = await this.request('POST', `/subjects/${encodeURIComponent(subject)}`, avro(schema));
    if (isNotFound(answer, SUBJECT_NOT_FOUND, SCHEMA_NOT_FOUND)) return undefined;
    const { id, version } = this.ok('POST', `/subjects/${subject}`, answer) as RegisteredVersion;
    return { id: Number(id), version: Number(version) };
  }

  /**
   * Registers a schema under a subject; the registry checks it against the subject's compatibility rule first
   * (HTTP 409 when it breaks it). A schema the subject already holds gets its existing id back: idempotent.
   */
  async register(subject: string, schema: string): Promise<{ id: number }> {
    const body = (await this.expect('POST', `/subjects/${encodeURIComponent(subject)}/versions`, avro(schema))) as {
      id: unknown;
    };
    return { id: Number(body.id) };
  }

  /**
   * Whether a schema may be registered next under an existing subject, by the compatibility rule the registry
   * applies to it: against every registered version when the rule is transitive. Asks with `?verbose=true` so a
   * registry that can explain (Confluent) says why not.
   */
  async compatibility(subject: string, schema: string): Promise<CompatibilityAnswer> {
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions`;
    let answer = await this.request('POST', `${path}?verbose=true`, avro(schema));
    // A registry without the all-versions form: against the latest version, which its rule then interprets.
    if ((answer.status === 404 && !isNotFound(answer, SUBJECT_NOT_FOUND)) || answer.status === 405) {
      answer = await this.request('POST', `${path}/latest?verbose=true`, avro(schema));
    }
    const body = this.ok('POST', path, answer) as { is_compatible?: unknown; messages?: unknown };
    const messages = Array.isArray(body.messages) ? body.messages.map(String) : [];
    return { compatible: body.is_compatible === true, messages };
  }

  /**
   * Apicurio's reasons for refusing a schema under a subject, from a dry run of the new version on its own API (its
   * Confluent API answers `?verbose=true` without them). Nothing is stored. Undefined when the registry is not
   * Apicurio or gives no reasons.
   */
  async explainIncompatibility(subject: string, schema: string): Promise<IncompatibilityCause[] | undefined> {
    const native = /\/apis\/ccompat\/v\d+$/.test(this.url) ? this.url.replace(/\/apis\/ccompat\/v\d+$/, '') : undefined;
    if (!native) return undefined;
    // Apicurio keeps Confluent subjects as artifacts of the group "default".
    const url = `${native}/apis/registry/v3/groups/default/artifacts/${encodeURIComponent(subject)}/versions?dryRun=true`;
    const answer = await this.send(
      'POST',
      url,
      { content: { content: schema, contentType: 'application/json' } },
      {
        'content-type': 'application/json',
      },
    ).catch(() => undefined);
    const causes = (answer?.body as { causes?: unknown } | undefined)?.causes;
    if (!answer || answer.status < 400 || !Array.isArray(causes) || causes.length === 0) return undefined;
    return causes.map((cause: { description?: unknown; context?: unknown }) => ({
      description: String(cause.description ?? ''),
      ...(typeof cause.context === 'string' && { context: cause.context }),
    }));
  }

  private async expect(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.ok(method, path, await this.request(method, path, body));
  }

  private ok(method: string, path: string, answer: Answer): unknown {
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    const { message, error_code: code } = (answer.body ?? {}) as { message?: unknown; error_code?: unknown };
    const reason = typeof message === 'string' ? message : String(answer.body ?? '').slice(0, 300);
    throw new RegistryHttpError(
      answer.status,
      typeof code === 'number' ? code : undefined,
      `${method} ${this.url}${path} answered HTTP ${answer.status}${reason ? `: ${reason}` : ''}`,
    );
  }

  private request(method: string, path: string, body?: unknown): Promise<Answer> {
    return this.send(method, `${this.url}${path}`, body, { 'content-type': CONTENT_TYPE });
  }

  private async send(method: string, url: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: `${CONTENT_TYPE}, application/json`,
          ...(body !== undefined && headers),
          ...(this.authorization && { authorization: this.authorization }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new RegistryUnreachableError(
        `the schema registry at ${this.url} does not answer (${unreachableReason(error, this.timeoutMs)})`,
        { cause: error },
      );
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page, say): kept as text for the error message.
    }
    return { status: response.status, body: parsed };
  }
}

const avro = (schema: string) => ({ schemaType: 'AVRO', schema });

function isNotFound(answer: Answer, ...codes: number[]): boolean {
  const code = (answer.body as { error_code?: unknown } | undefined)?.error_code;
  return answer.status === 404 && typeof code === 'number' && codes.includes(code);
}

/** Why a request got no answer, in a few words: the system's error code, or a timeout. */
function unreachableReason(error: unknown, timeoutMs: number): string {
  const failure = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return failure.cause?.code ?? failure.cause?.message ?? failure.message ?? String(error);
}
