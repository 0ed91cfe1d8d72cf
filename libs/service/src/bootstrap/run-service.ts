import { ConfigError } from '@kafka-platform/kafka';
import { Logger } from '@nestjs/common';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadServiceConfig, nestLogLevels } from './service-config';

export interface RunServiceOptions {
  readonly name: string;
  readonly module: Type<unknown>;
  readonly defaultPort: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** Checks config, builds the app, listens, and makes SIGTERM/SIGINT close it cleanly. */
export async function runService({
  name,
  module,
  defaultPort,
  env = process.env,
}: RunServiceOptions): Promise<INestApplication> {
  const config = loadServiceConfig(env, defaultPort);
  const app = await NestFactory.create(module, { logger: nestLogLevels(config.logLevel) });
  app.enableShutdownHooks();
  await app.listen(config.port);
  new Logger(name).log(`listening on http://localhost:${config.port}`);
  return app;
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
