import { METRICS_REGISTRY } from '@kafka-platform/core';
import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import { WELCOME_MAIL_LANGUAGES } from './welcome-mail.template';
import type { WelcomeMailLanguage } from './welcome-mail.template';

@Injectable()
export class WelcomeMailMetrics {
  private readonly sent: Counter<'language'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.sent = new Counter({
      name: 'emails_sent_total',
      help: 'Welcome mails the SMTP server accepted and the service recorded, by language',
      labelNames: ['language'],
      registers: [registry],
    });
    // Every language from the start, so rate() sees the first mail of each as an increase from 0.
    for (const language of WELCOME_MAIL_LANGUAGES) this.sent.inc({ language }, 0);
  }

  recordSent(language: WelcomeMailLanguage): void {
    this.sent.inc({ language });
  }
}
