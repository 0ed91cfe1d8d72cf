import type { ServerResponse } from 'node:http';
import { Caller, Role, hasRole } from '@kafka-platform/platform';
import type { Principal } from '@kafka-platform/platform';
import { Controller, Get, Res } from '@nestjs/common';
import { LiveStream } from './live-stream';

@Controller('api')
export class LiveStreamController {
  constructor(private readonly live: LiveStream) {}

  /**
   * Server-Sent Events: `stats` on connect and after a replay, `handled` ({ event, stats }) after each newly
   * applied event, a keep-alive comment every 15 s. Written to the raw response so every frame (and the
   * keep-alive comments Nest's @Sse() cannot send) leaves at once.
   */
  @Get('stream')
  stream(@Caller() caller: Principal, @Res() response: ServerResponse): void {
    this.live.openStream(response, { caller: caller.subject, mayReadNames: hasRole(caller, Role.UsersRead) });
  }
}
