// One-shot (compose profile `connect`): puts the Debezium PostgreSQL connector into Kafka Connect's plugin.path
// volume, from its plugin archive on Maven Central, once per version (a marker file says which is there).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const version = process.env.DEBEZIUM_VERSION;
const dir = process.env.PLUGIN_DIR ?? '/plugins';
if (!version) throw new Error('DEBEZIUM_VERSION is not set');
const marker = join(dir, '.debezium-version');
if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === version) {
  console.log(`Debezium PostgreSQL ${version} is already in ${dir}`);
  process.exit(0);
}
const url = `https://repo1.maven.org/maven2/io/debezium/debezium-connector-postgres/${version}/debezium-connector-postgres-${version}-plugin.tar.gz`;
const response = await fetch(url);
if (!response.ok) throw new Error(`${url}: ${response.status}`);
const archive = join(dir, 'debezium.tar.gz');
mkdirSync(dir, { recursive: true });
rmSync(join(dir, 'debezium-connector-postgres'), { recursive: true, force: true });
writeFileSync(archive, Buffer.from(await response.arrayBuffer()));
execFileSync('tar', ['-xzf', archive, '-C', dir]);
rmSync(archive);
writeFileSync(marker, version);
console.log(`Debezium PostgreSQL ${version} installed in ${dir}`);
