import { Controller, Get, HttpCode, HttpException, Post, ServiceUnavailableException } from '@nestjs/common';
import { kafkaUnavailable } from '../consumer-groups/kafka-unavailable';
import { Replay } from './replay.service';
import type { ReplayStarted, ReplayStatus } from './replay.service';

/**
 * Admin actions: rebuild the dashboard's read model from the start of user-events
 * (`npm run replay:dashboard` drives and checks it; see the app's README).
 */
@Controller('api/replay')
export class ReplayController {
  constructor(private readonly replay: Replay) {}

  /** 202 once offsets are reset and the projections emptied; the rebuild runs on. Poll GET /api/replay/status. */
  @Post()
  @HttpCode(202)
  async start(): Promise<ReplayStarted> {
    try {
      return await this.replay.start();
    } catch (error) {
      if (error instanceof HttpException) throw error;
      throw new ServiceUnavailableException({
        statusCode: 503,
        error: 'Service Unavailable',
        message: `The replay could not start: ${(error as Error).message}`,
        code: 'REPLAY_FAILED',
        retryable: true,
      });
    }
  }

  @Get('status')
  async status(): Promise<ReplayStatus> {
    try {
      return await this.replay.status();
    } catch (error) {
      throw kafkaUnavailable(error);
    }
  }
}
