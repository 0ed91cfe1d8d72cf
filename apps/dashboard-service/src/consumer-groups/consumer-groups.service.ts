import { USER_EVENTS_TOPIC, eventCatalog } from '@kafka-platform/events';
import {
  EVENT_CONTRACT,
  KAFKA_CONFIG,
  KafkaAdminConnection,
  groupLag,
  hasCommitted,
  namespaced,
} from '@kafka-platform/kafka';
import type { EventContract, GroupLag, KafkaAdminPort, KafkaConfig } from '@kafka-platform/kafka';
import { Inject, Injectable } from '@nestjs/common';
import type { TopicPartitionOffsets } from '../replay/rebuild-progress';
import { DASHBOARD_GROUP } from '../replay/rebuild-group';

export interface ConsumerGroupsView {
  readonly topic: string;
  readonly groups: readonly GroupLag[];
}

// Every open page polls this; one cluster round per second serves them all.
const CACHE_MS = 1000;
// Bounds the admin requests in flight on a cluster with many groups.
const GROUPS_PER_ROUND = 10;

/** The lag of every group reading user-events: the catalog's consumers, plus any group with commits there. */
@Injectable()
export class ConsumerGroups {
  readonly topic: string;
  /** Every topic the dashboard's groups read (the live one and the rebuilds): user-events and the derived ones. */
  private readonly consumed: readonly string[];
  private readonly namespace?: string;
  private readonly catalogGroups: readonly string[];
  private cached?: { readonly at: number; readonly view: Promise<ConsumerGroupsView> };

  constructor(
    private readonly session: KafkaAdminConnection,
    @Inject(KAFKA_CONFIG) config: KafkaConfig,
    @Inject(EVENT_CONTRACT) contract: EventContract,
  ) {
    const { namespace } = config.topics;
    this.namespace = namespace;
    this.topic = namespaced(namespace, USER_EVENTS_TOPIC);
    this.consumed = contract.topicsFor(DASHBOARD_GROUP);
    this.catalogGroups = Object.values(eventCatalog)
      .filter((entry) => entry.topic === USER_EVENTS_TOPIC)
      .flatMap((entry) => entry.consumerGroups)
      .filter((group, index, all) => all.indexOf(group) === index)
      .map((group) => namespaced(namespace, group));
  }

  view(): Promise<ConsumerGroupsView> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.view;
    const view = this.read();
    const cached = { at: Date.now(), view };
    this.cached = cached;
    // A failure is not cached: the next request asks the cluster again.
    view.catch(() => {
      if (this.cached === cached) this.cached = undefined;
    });
    return view;
  }

  /** A group's id on the cluster: with the namespace, if one is set. */
  groupId(group: string): string {
    return namespaced(this.namespace, group);
  }

  /** One group's offsets on every topic the dashboard reads, uncached (a replay watches its groups catch up). */
  async offsetsOf(groupId: string): Promise<TopicPartitionOffsets[]> {
    const admin = await this.session.admin();
    const perTopic = await Promise.all(
      this.consumed.map(async (topic) =>
        (await admin.groupOffsets(groupId, topic)).map((offsets) => ({ ...offsets, topic })),
      ),
    );
    return perTopic.flat();
  }

  private async read(): Promise<ConsumerGroupsView> {
    const admin = await this.session.admin();
    const listed = await admin.listGroups();
    const candidates = [...new Set([...this.catalogGroups, ...listed])].sort();
    const groups: GroupLag[] = [];
    for (let start = 0; start < candidates.length; start += GROUPS_PER_ROUND) {
      const round = candidates.slice(start, start + GROUPS_PER_ROUND);
      groups.push(...(await Promise.all(round.map((groupId) => this.readGroup(admin, groupId)))).flat());
    }
    return { topic: this.topic, groups };
  }

  private async readGroup(admin: KafkaAdminPort, groupId: string): Promise<GroupLag[]> {
    const offsets = await admin.groupOffsets(groupId, this.topic);
    return this.catalogGroups.includes(groupId) || hasCommitted(offsets) ? [groupLag(groupId, offsets)] : [];
  }
}
