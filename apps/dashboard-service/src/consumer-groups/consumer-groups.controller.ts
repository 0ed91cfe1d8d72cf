import { Controller, Get } from '@nestjs/common';
import { ConsumerGroups } from './consumer-groups.service';
import type { ConsumerGroupsView } from './consumer-groups.service';
import { kafkaUnavailable } from './kafka-unavailable';

@Controller('api')
export class ConsumerGroupsController {
  constructor(private readonly groups: ConsumerGroups) {}

  /** Lag per group and partition on user-events; offsets as strings (64-bit), lags as numbers. */
  @Get('consumer-groups')
  async consumerGroups(): Promise<ConsumerGroupsView> {
    try {
      return await this.groups.view();
    } catch (error) {
      throw kafkaUnavailable(error);
    }
  }
}
