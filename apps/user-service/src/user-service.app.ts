import { createServiceApp } from '@kafka-platform/platform';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { setupOpenApi } from './openapi';
import { UserServiceModule } from './user-service.module';

/** The app exactly as main.ts runs it, without listening: tests start the same thing on a free port. */
export async function createUserServiceApp(): Promise<NestExpressApplication> {
  const app = await createServiceApp(UserServiceModule);
  setupOpenApi(app);
  return app;
}
