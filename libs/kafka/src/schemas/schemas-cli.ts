// `npm run schemas -- check|register [--registry <url>] [--namespace <ns>] [--json]`: checks the event catalog's
// schemas against the registry's compatibility rule, and registers them, in version order. What CI runs before a
// deploy, and what the prod overlay's schemas-register Job and its services' init containers run (from the image).
import { runSchemasCommand } from './schemas-command';

runSchemasCommand(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(`schemas: ${error.message}`);
    process.exitCode = 1;
  },
);
