import type { IncomingMessage, ServerResponse } from 'node:http';
import { Public } from '@kafka-platform/platform';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { PAGE_SIGN_IN } from './page-sign-in';
import type { PageSignIn } from './page-sign-in';
import { WEB_ASSETS } from './web-assets';
import type { WebAssets } from './web-assets';

// The page loads only its own files and talks only to this service and the identity provider; nothing may frame it.
const pagePolicy = (issuer: string) =>
  `default-src 'self'; connect-src 'self' ${new URL(issuer).origin}; img-src 'self' data:; object-src 'none'; ` +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// The catalog page is static text styled by dashboard.css: no script, no connection, no frame.
const CATALOG_POLICY =
  "default-src 'none'; style-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * GET /, /dashboard.css and /dashboard.js: the live page, and GET /catalog, the event catalog; straight from memory.
 * Public: the page holds no data; it signs the viewer in and calls the API with the viewer's token.
 */
@Public()
@Controller()
export class WebPageController {
  constructor(
    @Inject(WEB_ASSETS) private readonly assets: WebAssets,
    @Inject(PAGE_SIGN_IN) private readonly signIn: PageSignIn,
  ) {}

  @Get()
  page(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    response.setHeader('content-security-policy', pagePolicy(this.signIn.issuer));
    this.send(request, response, 'index.html');
  }

  /**
   * The event catalog (channels, messages and their versions, producers and consumer groups), public like the page:
   * it documents the contract that is in the repository anyway, and holds no event data.
   */
  @Get('catalog')
  catalog(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    response.setHeader('content-security-policy', CATALOG_POLICY);
    this.send(request, response, 'catalog.html');
  }

  /** Where the page signs its viewer in. */
  @Get('auth-config.json')
  authConfig(): PageSignIn {
    return this.signIn;
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
