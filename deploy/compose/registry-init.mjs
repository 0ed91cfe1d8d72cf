// docker compose's one-shot `registry-init`: gives Apicurio Registry the global BACKWARD compatibility rule, as
// the local stack does (tools/local-stack/lib/registry.mjs). Without a rule Apicurio accepts every schema change,
// and the Confluent client's register() trips over how Apicurio answers GET /config/{subject}. The rule is stored
// in the registry's database, so this is idempotent: it leaves a BACKWARD rule alone and exits 0.
//   REGISTRY_URL  the registry's base URL (compose: http://registry:8080)
const base = (process.env.REGISTRY_URL ?? 'http://localhost:8081').replace(/\/+$/, '');
const rules = `${base}/apis/registry/v3/admin/rules`;
const rule = JSON.stringify({ ruleType: 'COMPATIBILITY', config: 'BACKWARD' });
const json = { 'content-type': 'application/json' };

async function ensureBackwardRule() {
  const current = await fetch(`${rules}/COMPATIBILITY`);
  if (!current.ok && current.status !== 404) throw new Error(`GET ${current.status} ${await current.text()}`);
  if (current.ok && (await current.json()).config === 'BACKWARD') return 'already BACKWARD';
  // 404 = no global rule yet (POST creates it); otherwise one exists with another value (PUT replaces it).
  const [method, url] = current.ok ? ['PUT', `${rules}/COMPATIBILITY`] : ['POST', rules];
  const response = await fetch(url, { method, headers: json, body: rule });
  if (!response.ok) throw new Error(`${method} ${response.status} ${await response.text()}`);
  return current.ok ? 'changed to BACKWARD' : 'created';
}

try {
  console.log(`registry-init: global COMPATIBILITY rule ${await ensureBackwardRule()} (${base})`);
} catch (error) {
  console.error(`registry-init: setting the global BACKWARD rule on ${base} failed: ${error.message}`);
  process.exitCode = 1;
}
