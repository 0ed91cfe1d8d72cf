import { startHttpApp } from '@kafka-platform/testing';
import type { RunningApp } from '@kafka-platform/testing';
import { EmailServiceModule } from './email-service.module';

describe('email-service', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startHttpApp(EmailServiceModule);
  });
  afterAll(() => running.close());

  it('answers GET /health/live with status ok', async () => {
    const response = await fetch(`${running.url}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });
});
