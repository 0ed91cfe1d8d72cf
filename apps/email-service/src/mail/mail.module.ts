import { PLATFORM_OPTIONS } from '@kafka-platform/platform';
import type { PlatformOptions } from '@kafka-platform/platform';
import { Module } from '@nestjs/common';
import { MAIL_CONFIG, loadMailConfig } from './mail-config';
import { MAIL_TRANSPORT } from './mail-transport';
import { NodemailerTransport } from './nodemailer-transport';

/** The mail port and its SMTP adapter; swap the MAIL_TRANSPORT provider to send another way. */
@Module({
  providers: [
    {
      provide: MAIL_CONFIG,
      inject: [PLATFORM_OPTIONS],
      useFactory: (platform: PlatformOptions) => loadMailConfig(platform.env ?? process.env),
    },
    { provide: MAIL_TRANSPORT, useClass: NodemailerTransport },
  ],
  exports: [MAIL_TRANSPORT],
})
export class MailModule {}
