import './instrument';
import 'reflect-metadata';
import { exitOnStartupError, runService } from '@kafka-platform/platform';
import { EmailServiceModule } from './email-service.module';

runService({ name: 'email-service', module: EmailServiceModule }).catch(exitOnStartupError('email-service'));
