import { CreateInbox1763900000001, MessagingModule } from '@kafka-platform/messaging';
import { PlatformModule } from '@kafka-platform/service';
import { Module } from '@nestjs/common';
import { ConsumerGroupsController } from './consumer-groups/consumer-groups.controller';
import { ConsumerGroups } from './consumer-groups/consumer-groups.service';
import { KafkaAdminSession } from './consumer-groups/kafka-admin.session';
import { LiveStream } from './live-stream/live-stream';
import { LiveStreamController } from './live-stream/live-stream.controller';
import { CreateDashboardProjections1763900000100 } from './projections/dashboard-projections.migration';
import { NewUserHandler } from './projections/new-user.handler';
import { ProjectionChanges } from './projections/projection-changes';
import { ProjectionWriter } from './projections/projection-writer';
import { UserDeletedHandler } from './projections/user-deleted.handler';
import { UserUpdatedHandler } from './projections/user-updated.handler';
import { ReplayController } from './replay/replay.controller';
import { Replay } from './replay/replay.service';
import { StatsController } from './stats/stats.controller';
import { StatsFeed } from './stats/stats-feed';
import { StatsQuery } from './stats/stats.query';
import { WEB_ASSETS, loadWebAssets } from './web-page/web-assets';
import { WebPageController } from './web-page/web-page.controller';

/** Projects user events into live stats (consumer group dashboard-service) and serves them with a live page. */
@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'dashboard-service',
      defaultPort: 3003,
      database: { entities: [], migrations: [CreateInbox1763900000001, CreateDashboardProjections1763900000100] },
      kafka: { consumerGroup: 'dashboard-service' },
    }),
    MessagingModule.forRoot({ inbox: true }),
  ],
  controllers: [StatsController, LiveStreamController, ConsumerGroupsController, ReplayController, WebPageController],
  providers: [
    ProjectionChanges,
    ProjectionWriter,
    NewUserHandler,
    UserUpdatedHandler,
    UserDeletedHandler,
    StatsQuery,
    StatsFeed,
    LiveStream,
    KafkaAdminSession,
    ConsumerGroups,
    Replay,
    // Read once at start, failing the start when the page is missing, never on a request.
    { provide: WEB_ASSETS, useFactory: () => loadWebAssets() },
  ],
})
export class DashboardServiceModule {}
