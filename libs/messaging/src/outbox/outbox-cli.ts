// The outbox of a publishing service, for operators:
//   npm run outbox -- list [--failing|--open]   parked rows (default), rows that failed at least once, every open row
//   npm run outbox -- retry <id>|--all-parked   put parked rows back in line once their cause is fixed
//   npm run outbox -- discard <id>              give up on a parked row; later rows of its key flow again
// DATABASE_URL names the service's database (npm run outbox defaults to the local user_service one).
import { Client } from 'pg';
import { discardParked, listOutbox, retryParked } from './outbox-tool';
import type { OutboxListFilter } from './outbox-tool';

const USAGE = 'usage: outbox list [--failing|--open] | retry <id>|--all-parked | discard <id>';

class UsageError extends Error {}

async function run(client: Client, [command, argument]: string[]): Promise<number> {
  switch (command) {
    case 'list': {
      const filters: Record<string, OutboxListFilter> = { '--failing': 'failing', '--open': 'open' };
      const filter = argument === undefined ? 'parked' : filters[argument];
      if (!filter) throw new UsageError(USAGE);
      const entries = await listOutbox(client, filter);
      for (const entry of entries) console.log(JSON.stringify(entry));
      console.log(`${entries.length} ${filter === 'parked' ? 'parked' : filter} row(s)`);
      return 0;
    }
    case 'retry': {
      if (!argument) throw new UsageError(USAGE);
      const retried = await retryParked(client, argument === '--all-parked' ? 'all' : argument);
      console.log(retried.length > 0 ? `retrying row(s) ${retried.join(', ')}` : 'no parked row with that id');
      return retried.length > 0 || argument === '--all-parked' ? 0 : 1;
    }
    case 'discard': {
      if (!argument) throw new UsageError(USAGE);
      const discarded = await discardParked(client, argument);
      console.log(discarded ? `discarded row ${argument}` : `no parked row ${argument}`);
      return discarded ? 0 : 1;
    }
    default:
      throw new UsageError(USAGE);
  }
}

async function main(args: string[]): Promise<number> {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new UsageError('DATABASE_URL is required: the database of the service whose outbox this is');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await run(client, args);
  } finally {
    await client.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    console.error(error.message);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
