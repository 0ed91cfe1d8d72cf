import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRICS_REGISTRY } from '@kafka-platform/core';
import { Inject, Injectable } from '@nestjs/common';
import type { INestApplication, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { Registry } from 'prom-client';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../platform/platform-options';

export const DOCS_PATH = 'docs';

/**
 * The management port (MANAGEMENT_PORT): /metrics and the API docs, apart from the API. The API port is what a
 * load balancer or ingress exposes; this one is for Prometheus and operators inside the cluster, so neither
 * needs a token and neither is reachable from where the API is. Health stays on the API port for the kubelet.
 */
@Injectable()
export class ManagementServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: ExpressAdapter;
  private document?: OpenAPIObject;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
  ) {}

  /** Swagger UI at /docs and the document at /docs-json; call before the app starts. */
  serveOpenApi(document: OpenAPIObject): void {
    this.document = document;
  }

  /** http://127.0.0.1:<port> once the app has started (MANAGEMENT_PORT=0 picks a free port). */
  get url(): string {
    const address = (this.server?.getHttpServer() as Server | undefined)?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the management server is not listening (the app has not started)');
    return `http://127.0.0.1:${address.port}`;
  }

  // A bare HTTP adapter, not a second Nest application: creating one would reset Nest's process-wide logger.
  async onApplicationBootstrap(): Promise<void> {
    const server = new ExpressAdapter();
    server.initHttpServer({});
    server.get('/metrics', (_request: unknown, response: ServerResponse) => void this.sendMetrics(response));
    if (this.document) {
      // The UI's assets come from swagger-ui-dist, not a CDN. Swagger's setup needs only these two of an app.
      const host = {
        getHttpAdapter: () => server,
        useStaticAssets: (...args: Parameters<ExpressAdapter['useStaticAssets']>) => server.useStaticAssets(...args),
      } as unknown as INestApplication;
      SwaggerModule.setup(DOCS_PATH, host, this.document, { jsonDocumentUrl: `${DOCS_PATH}-json` });
    }
    await new Promise<void>((resolve) => server.listen(this.config.managementPort, resolve));
    this.server = server;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }

  private async sendMetrics(response: ServerResponse): Promise<void> {
    try {
      const body = await this.registry.metrics();
      response.setHeader('content-type', this.registry.contentType);
      response.end(body);
    } catch (error) {
      response.statusCode = 500;
      response.end(`# metrics could not be collected: ${String(error)}\n`);
    }
  }
}
