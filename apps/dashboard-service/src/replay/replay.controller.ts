import { RequireRoles, Role } from '@kafka-platform/platform';
import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { Replay } from './replay.service';
import type { ReplayStarted, ReplayStatus } from './replay.service';

/**
 * Admin actions: rebuild the dashboard's read model from the start of user-events into a new generation and switch
 * to it (`npm run replay:dashboard` drives and checks it; see the app's README).
 */
@RequireRoles(Role.Admin)
@Controller('api/replay')
export class ReplayController {
  constructor(private readonly replay: Replay) {}

  /** 202 at once with the generation being built; 409 REPLAY_IN_PROGRESS while one is. Poll GET /api/replay/status. */
  @Post()
  @HttpCode(202)
  start(): Promise<ReplayStarted> {
    return this.replay.start();
  }

  /** 503 KAFKA_UNAVAILABLE when the rebuild's offsets cannot be read, DEPENDENCY_UNAVAILABLE without the database. */
  @Get('status')
  status(): Promise<ReplayStatus> {
    return this.replay.status();
  }
}
