import { Caller, Role, hasRole } from '@kafka-platform/platform';
import type { Principal } from '@kafka-platform/platform';
import { Controller, Get } from '@nestjs/common';
import { statsForViewer } from './stats-for-viewer';
import { StatsFeed } from './stats-feed';
import type { Stats } from './stats';

@Controller('api')
export class StatsController {
  constructor(private readonly feed: StatsFeed) {}

  /** The shared snapshot, refreshed after every change: a page load costs no database query. */
  @Get('stats')
  async stats(@Caller() caller: Principal): Promise<Stats> {
    return statsForViewer(await this.feed.current(), hasRole(caller, Role.UsersRead));
  }
}
