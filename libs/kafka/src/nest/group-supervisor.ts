import type { Logger } from '@nestjs/common';
import type { ConsumerRuntime, ConsumerStatus } from '../consumer/consumer-runtime';

// Between attempts to (re)start the consumer: short, so it is back within seconds of the broker's return.
const RESTART_BACKOFF_MS = { initial: 500, max: 2_000 } as const;

/**
 * Keeps one consumer group running until stopped: starts a runtime in the background (a broker that is down never
 * stops the service from starting), and a new one whenever the running one dies in a way the Kafka client does not
 * recover from, or could not start.
 */
export class GroupSupervisor {
  private runtime?: ConsumerRuntime;
  private loop?: Promise<void>;
  private closing = false;
  private wake: () => void = () => undefined;
  /** The last moment a consumer of this group was seen running (the supervisor's creation before the first ran). */
  private lastRunningAt = Date.now();

  constructor(
    readonly groupId: string,
    private readonly createRuntime: () => ConsumerRuntime,
    private readonly logger: Logger,
    /** What the group consumes, for the log line that says it runs. */
    private readonly consuming: () => string,
  ) {}

  get status(): ConsumerStatus {
    return this.runtime?.status ?? { state: 'idle', blocked: [] };
  }

  /** How long the consumer has not been running; 0 while it runs. */
  notRunningForMs(now = Date.now()): number {
    this.lastRunningAt = Math.max(this.lastRunningAt, this.runtime?.lastRunningAt ?? 0);
    return this.runtime?.status.state === 'running' ? 0 : now - this.lastRunningAt;
  }

  start(): void {
    this.loop ??= this.supervise();
  }

  /** Stops the consumer (in-flight work finishes within the shutdown timeout, see ConsumerRuntime) and the loop. */
  async stop(): Promise<void> {
    this.closing = true;
    this.wake();
    await this.loop;
  }

  /** Runs one consumer at a time until stopped: starts it, waits until it dies or is asked to stop, repeats. */
  private async supervise(): Promise<void> {
    let failures = 0;
    while (!this.closing) {
      const runtime = this.createRuntime();
      this.runtime = runtime;
      const interrupted = new Promise<'interrupted'>((resolve) => (this.wake = () => resolve('interrupted')));
      try {
        const started = runtime.start();
        started.catch(() => undefined); // when interrupted, its failure is of no interest
        await Promise.race([started, interrupted]);
        if (this.closing) break;
        failures = 0;
        this.logger.log(`group ${this.groupId} consuming ${this.consuming()}`);
        const ended = await Promise.race([runtime.crashed, interrupted]);
        if (ended !== 'interrupted') {
          failures += 1;
          this.logger.warn(`consumer ${this.groupId} died (${ended.message}); starting a new one`);
        }
      } catch (error) {
        failures += 1;
        // The first failure and then every tenth: an outage would otherwise log every attempt.
        if (failures === 1 || failures % 10 === 0) {
          this.logger.warn(
            `consumer ${this.groupId} could not start (attempt ${failures}): ${(error as Error).message}; retrying`,
          );
        }
      }
      await this.retire(runtime);
      if (!this.closing && failures > 0) await this.sleep(backoffMs(failures), interrupted);
    }
    await this.retire(this.runtime);
  }

  private async retire(runtime: ConsumerRuntime | undefined): Promise<void> {
    this.notRunningForMs();
    await runtime?.stop();
  }

  private async sleep(ms: number, interrupted: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, ms))), interrupted]);
    clearTimeout(timer);
  }
}

const backoffMs = (failures: number) =>
  Math.min(RESTART_BACKOFF_MS.max, RESTART_BACKOFF_MS.initial * 2 ** Math.min(failures - 1, 10));
