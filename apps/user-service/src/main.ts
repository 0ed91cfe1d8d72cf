import 'reflect-metadata';
import { exitOnStartupError, runService } from '@kafka-platform/service';
import { UserServiceModule } from './user-service.module';

runService({ name: 'user-service', module: UserServiceModule, defaultPort: 3001 }).catch(
  exitOnStartupError('user-service'),
);
