import { Injectable } from '@nestjs/common';

/** Resolves when the dependency answers, rejects (with the reason) when it does not. */
export type DependencyCheck = () => Promise<unknown>;

export interface DependencyStatus {
  readonly name: string;
  readonly up: boolean;
  readonly error?: string;
}

const CHECK_TIMEOUT_MS = 2_000;
// One round of checks serves every caller within this window: a burst of failing records asks once.
const CACHE_MS = 1_000;

/**
 * The service's dependencies (database, schema registry, SMTP server...) and whether each answers now. The
 * consumer runtime asks it when a handler fails for an unknown reason: with a dependency down, the failure is
 * taken for the outage it most likely is and retried for as long as the outage lasts, not dead-lettered as a bug.
 * Modules register their own dependency at start-up (the platform registers the database and the registry).
 */
@Injectable()
export class DependencyHealth {
  private readonly checks = new Map<string, DependencyCheck>();
  private cached?: { readonly at: number; readonly statuses: Promise<DependencyStatus[]> };

  register(name: string, check: DependencyCheck): void {
    this.checks.set(name, check);
    this.cached = undefined;
  }

  get names(): string[] {
    return [...this.checks.keys()];
  }

  /** Every dependency's state, each check bounded by a timeout; shared by callers within a second. */
  statuses(): Promise<DependencyStatus[]> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.statuses;
    const statuses = Promise.all([...this.checks].map(([name, check]) => probe(name, check)));
    this.cached = { at: Date.now(), statuses };
    return statuses;
  }

  async unhealthy(): Promise<string[]> {
    return (await this.statuses()).filter((status) => !status.up).map((status) => status.name);
  }
}

async function probe(name: string, check: DependencyCheck): Promise<DependencyStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return { name, up: true };
  } catch (error) {
    return { name, up: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
