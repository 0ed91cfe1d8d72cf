import './instrument';
import 'reflect-metadata';
import { DOCS_PATH, SERVICE_CONFIG, exitOnStartupError } from '@kafka-platform/platform';
import type { ServiceConfig } from '@kafka-platform/platform';
import { Logger } from '@nestjs/common';
import { createUserServiceApp } from './user-service.app';

async function main(): Promise<void> {
  const app = await createUserServiceApp();
  const { port, managementPort } = app.get<ServiceConfig>(SERVICE_CONFIG);
  await app.listen(port);
  new Logger('user-service').log(
    `listening on http://localhost:${port} (API docs and metrics: http://localhost:${managementPort}/${DOCS_PATH})`,
  );
}

main().catch(exitOnStartupError('user-service'));
