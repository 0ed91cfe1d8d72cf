import { MessagingModule } from '@kafka-platform/messaging';
import { PlatformModule } from '@kafka-platform/platform';
import { Module } from '@nestjs/common';
import { ConsumerGroupsController } from './consumer-groups/consumer-groups.controller';
import { ConsumerGroups } from './consumer-groups/consumer-groups.service';
import { GENERATION_LAYOUT } from './generations/generation-layout';
import { Generations } from './generations/generations';
import { DashboardGenerations1764300000100 } from './generations/generations.migration';
import { LiveStream } from './live-stream/live-stream';
import { LiveStreamController } from './live-stream/live-stream.controller';
import { streamLimitsProvider } from './live-stream/stream-limits';
import { NewUserHandler } from './projections/new-user.handler';
import { ProjectionChanges } from './projections/projection-changes';
import { ProjectionWriter } from './projections/projection-writer';
import { UserDeletedHandler } from './projections/user-deleted.handler';
import { UserUpdatedHandler } from './projections/user-updated.handler';
import { GenerationSwitch } from './replay/generation-switch';
import { DASHBOARD_GROUP } from './replay/rebuild-group';
import { RebuildRunner } from './replay/rebuild-runner';
import { ReplayController } from './replay/replay.controller';
import { SignupsPerMinuteController } from './signups-per-minute/signups-per-minute.controller';
import { SignupsPerMinuteHandler } from './signups-per-minute/signups-per-minute.handler';
import { SignupsPerMinuteQuery } from './signups-per-minute/signups-per-minute.query';
import { Replay } from './replay/replay.service';
import { StatsController } from './stats/stats.controller';
import { StatsFeed } from './stats/stats-feed';
import { StatsQuery } from './stats/stats.query';
import { pageSignInProvider } from './web-page/page-sign-in';
import { WEB_ASSETS, loadWebAssets } from './web-page/web-assets';
import { WebPageController } from './web-page/web-page.controller';

/**
 * Projects user events, and signup-analytics' signups per minute, into live stats (consumer group dashboard-service)
 * and serves them with a live page.
 */
@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'dashboard-service',
      defaultPort: 3003,
      // The first generation's tables as the migrations built them in `public`, then moved into dashboard_g1.
      database: { entities: [], migrations: [...GENERATION_LAYOUT, DashboardGenerations1764300000100] },
      kafka: { consumerGroup: DASHBOARD_GROUP },
    }),
    // Every effect of a projection handler is in the database: a run of records commits in one transaction.
    MessagingModule.forRoot({ inbox: { batchTransactions: true } }),
  ],
  controllers: [
    StatsController,
    SignupsPerMinuteController,
    LiveStreamController,
    ConsumerGroupsController,
    ReplayController,
    WebPageController,
    // Event handlers: the Kafka transport serves their @EventPattern methods.
    NewUserHandler,
    UserUpdatedHandler,
    UserDeletedHandler,
    SignupsPerMinuteHandler,
  ],
  providers: [
    Generations,
    ProjectionChanges,
    ProjectionWriter,
    StatsQuery,
    SignupsPerMinuteQuery,
    StatsFeed,
    LiveStream,
    streamLimitsProvider,
    pageSignInProvider,
    ConsumerGroups,
    GenerationSwitch,
    RebuildRunner,
    Replay,
    // Read once at start, failing the start when the page is missing, never on a request.
    { provide: WEB_ASSETS, useFactory: () => loadWebAssets() },
  ],
})
export class DashboardServiceModule {}
