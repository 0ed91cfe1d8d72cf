import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { WEB_ASSETS } from './web-assets';
import type { WebAssets } from './web-assets';

// The page loads only its own files and talks only to this service; nothing may frame it.
const PAGE_POLICY =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** GET /, /dashboard.css and /dashboard.js: the live page, straight from memory. */
@Controller()
export class WebPageController {
  constructor(@Inject(WEB_ASSETS) private readonly assets: WebAssets) {}

  @Get()
  page(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    response.setHeader('content-security-policy', PAGE_POLICY);
    this.send(request, response, 'index.html');
  }

  @Get('dashboard.css')
  styles(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    this.send(request, response, 'dashboard.css');
  }

  @Get('dashboard.js')
  script(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    this.send(request, response, 'dashboard.js');
  }

  private send(request: IncomingMessage, response: ServerResponse, file: string): void {
    const asset = this.assets.get(file);
    if (!asset) throw new Error(`${file} was not loaded at start`);
    // Revalidated on every load, so a new release shows at once; unchanged files cost a 304.
    response.setHeader('cache-control', 'no-cache');
    response.setHeader('etag', asset.etag);
    response.setHeader('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match'] === asset.etag) {
      response.writeHead(304).end();
      return;
    }
    response.writeHead(200, { 'content-type': asset.contentType, 'content-length': asset.body.length });
    response.end(asset.body);
  }
}
