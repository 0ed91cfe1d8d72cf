import { BadRequestException, Controller, DefaultValuePipe, Get, ParseIntPipe, Query } from '@nestjs/common';
import { DEFAULT_MINUTES, MAX_MINUTES } from './signups-per-minute';
import type { SignupsPerMinute } from './signups-per-minute';
import { SignupsPerMinuteQuery } from './signups-per-minute.query';

@Controller('api')
export class SignupsPerMinuteController {
  constructor(private readonly query: SignupsPerMinuteQuery) {}

  /** Any valid token, as /api/stats: counts per locale carry nothing personal. */
  @Get('signups-per-minute')
  read(
    @Query('minutes', new DefaultValuePipe(DEFAULT_MINUTES), ParseIntPipe) minutes: number,
  ): Promise<SignupsPerMinute> {
    if (minutes < 1 || minutes > MAX_MINUTES) {
      throw new BadRequestException(`minutes must be a whole number from 1 to ${MAX_MINUTES}`);
    }
    return this.query.read(minutes);
  }
}
