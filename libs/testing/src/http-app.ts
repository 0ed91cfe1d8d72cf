import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';

export interface RunningApp {
  readonly app: INestApplication;
  readonly url: string;
  close(): Promise<void>;
}

/** Boots a Nest module on a free port, as a real HTTP server, for tests that speak HTTP to it. */
export async function startHttpApp(module: Type<unknown>): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
