import { Controller, Get } from '@nestjs/common';
import { StatsFeed } from './stats-feed';
import type { Stats } from './stats';

@Controller('api')
export class StatsController {
  constructor(private readonly feed: StatsFeed) {}

  /** The shared snapshot, refreshed after every change: a page load costs no database query. */
  @Get('stats')
  stats(): Promise<Stats> {
    return this.feed.current();
  }
}
