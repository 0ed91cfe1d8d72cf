import './instrument';
import 'reflect-metadata';
import { exitOnStartupError, runService } from '@kafka-platform/platform';
import { DashboardServiceModule } from './dashboard-service.module';

runService({ name: 'dashboard-service', module: DashboardServiceModule }).catch(
  exitOnStartupError('dashboard-service'),
);
