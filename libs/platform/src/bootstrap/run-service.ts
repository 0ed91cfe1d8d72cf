import { connectKafkaTransport } from '@kafka-platform/kafka';
import { ConfigError } from '@kafka-platform/core';
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { configureHttp } from '../http/configure-http';
import { SERVICE_CONFIG } from '../platform/platform-options';
import type { ServiceConfig } from '../config/service-config';

export interface RunServiceOptions {
  readonly name: string;
  readonly module: Type<unknown>;
}

/**
 * Builds the app as it runs in production (logger, HTTP rules, shutdown hooks, the Kafka event transport of a
 * service with a consumer group) without starting it: `startService` does.
 */
export async function createServiceApp(module: Type<unknown>): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    // Silent while the module builds: a start-up failure is printed once, by exitOnStartupError, instead of
    // Nest's stack dump followed by ours. pino takes over as soon as the app exists.
    logger: false,
    bodyParser: false,
    // Throw instead of exiting, so main.ts prints the cause (a named config variable) and tests can assert it.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  configureHttp(app);
  connectKafkaTransport(app);
  // The signals an orchestrator or a terminal stops a process with. Nest's default list also takes SIGUSR2 and
  // SIGHUP, which profilers and process managers use for other things (tools/bench's --profile uses SIGUSR2).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return app;
}

/** Checks config, builds the app, listens, and makes SIGTERM/SIGINT close it cleanly. */
export async function runService({ name, module }: RunServiceOptions): Promise<NestExpressApplication> {
  const app = await createServiceApp(module);
  const { port } = app.get<ServiceConfig>(SERVICE_CONFIG);
  await startService(app, port);
  app.get(Logger).log(`${name} listening on http://localhost:${port}`);
  return app;
}

/**
 * Starts an app built by createServiceApp: its modules first (migrations, connections), then its consumers, and
 * HTTP last, so neither an event nor a request meets a half-started service.
 */
export async function startService(app: NestExpressApplication, port: number, host?: string): Promise<void> {
  await app.init();
  await app.startAllMicroservices();
  await (host === undefined ? app.listen(port) : app.listen(port, host));
}

/** For main.ts: a bad config names the variable and stops the process with exit code 1. */
export function exitOnStartupError(name: string): (error: unknown) => void {
  return (error) => {
    const detail =
      error instanceof ConfigError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    console.error(`${name} failed to start: ${detail}`);
    process.exit(1);
  };
}
