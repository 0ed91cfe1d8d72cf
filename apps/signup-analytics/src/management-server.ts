import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnalyticsMetrics } from './metrics';

/**
 * The management port (MANAGEMENT_PORT), as the services have one: GET /metrics (Prometheus) and the probes.
 * `/health/live` fails once the processor has stopped on an error; `/health/ready` and `/health` answer 200 only
 * while it runs (state restored, consuming). No token: like the services' management port, it is reached only
 * from inside the cluster.
 */
export class ManagementServer {
  private readonly server: Server;

  constructor(private readonly metrics: AnalyticsMetrics) {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, resolve);
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return send(response, 405, 'text/plain', 'GET only\n');
    if (path === '/metrics') return this.sendMetrics(response);
    const health = this.metrics.health;
    if (path === '/health/live') return sendHealth(response, health !== 'failed', health);
    if (path === '/health/ready' || path === '/health') return sendHealth(response, health === 'running', health);
    return send(response, 404, 'text/plain', 'not found\n');
  }

  private async sendMetrics(response: ServerResponse): Promise<void> {
    try {
      send(response, 200, this.metrics.registry.contentType, await this.metrics.registry.metrics());
    } catch (error) {
      send(response, 500, 'text/plain', `# metrics could not be collected: ${String(error)}\n`);
    }
  }
}

function sendHealth(response: ServerResponse, ok: boolean, state: string): void {
  send(response, ok ? 200 : 503, 'application/json', JSON.stringify({ status: ok ? 'ok' : 'unavailable', state }));
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(body);
}
