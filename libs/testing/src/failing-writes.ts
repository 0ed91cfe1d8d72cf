/**
 * Makes every insert or update of `table` whose `column` equals `value` fail, as a bug in a handler would: its
 * attempts run out and the record goes to the dead-letter topic, never applied (the first delivery of a DLQ redrive).
 * `query` runs SQL where the table is found (the service's database, or the schema the service writes to).
 * Returns what lifts it again.
 */
export async function failWrites(
  query: (sql: string) => Promise<unknown>,
  table: string,
  column: string,
  value: string,
): Promise<() => Promise<void>> {
  const name = `fail_writes_${table}`;
  await query(`
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.${column}::text = '${value.replace(/'/g, "''")}' THEN RAISE EXCEPTION 'write refused by the test'; END IF;
      RETURN NEW;
    END $$`);
  await query(`CREATE TRIGGER ${name} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`);
  return async () => {
    await query(`DROP TRIGGER ${name} ON ${table}`);
  };
}
