// docker compose's one-shot `registry-init`: gives Apicurio Registry the global BACKWARD_TRANSITIVE compatibility
// rule, as the local stack does (tools/local-stack/lib/registry.mjs). Without a rule Apicurio accepts every schema
// change. Transitive, like the local gate in libs/events (compatibility.spec.ts): a new version must read the data of
// every earlier version, not only the one before, since records of all of them stay in the log. Any other global
// level (an older deployment's BACKWARD) is replaced. The rule is stored in the registry's database, so this is
// idempotent: it leaves a BACKWARD_TRANSITIVE rule alone and exits 0.
//   REGISTRY_URL       the registry's base URL (compose: http://registry:8080)
//   REGISTRY_USERNAME  optional, with REGISTRY_PASSWORD: HTTP basic credentials, for a registry with authentication
//                      (k8s/overlays/prod: a client of the provider with the sr-admin role, which global rules need).
//                      Refused over plain http to anything but this machine: they would cross the network in clear.
const RULE = 'BACKWARD_TRANSITIVE';
const base = (process.env.REGISTRY_URL ?? 'http://localhost:8081').replace(/\/+$/, '');
const rules = `${base}/apis/registry/v3/admin/rules`;
const rule = JSON.stringify({ ruleType: 'COMPATIBILITY', config: RULE });
const { REGISTRY_USERNAME: username, REGISTRY_PASSWORD: password } = process.env;
const login = username
  ? { authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` }
  : {};
const json = { 'content-type': 'application/json', ...login };

/** Why the credentials may not be sent to `base`, or undefined when they may. */
function credentialsProblem() {
  if (!username) return undefined;
  if (!password) return 'REGISTRY_PASSWORD is required when REGISTRY_USERNAME is set';
  const { protocol, hostname } = new URL(base);
  const loopback = ['localhost', '[::1]'].includes(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
  return protocol === 'http:' && !loopback
    ? `REGISTRY_USERNAME is set, but ${base} is plain http: the credentials would cross the network in clear text (use https)`
    : undefined;
}

async function ensureRule() {
  const refused = credentialsProblem();
  if (refused) throw new Error(refused);
  const current = await fetch(`${rules}/COMPATIBILITY`, { headers: login });
  if (!current.ok && current.status !== 404) throw new Error(`GET ${current.status} ${await current.text()}`);
  const before = current.ok ? (await current.json()).config : undefined;
  if (before === RULE) return `already ${RULE}`;
  // 404 = no global rule yet (POST creates it); otherwise one exists with another value (PUT replaces it).
  const [method, url] = current.ok ? ['PUT', `${rules}/COMPATIBILITY`] : ['POST', rules];
  const response = await fetch(url, { method, headers: json, body: rule });
  if (!response.ok) throw new Error(`${method} ${response.status} ${await response.text()}`);
  return current.ok ? `changed from ${before} to ${RULE}` : 'created';
}

try {
  console.log(`registry-init: global COMPATIBILITY rule ${await ensureRule()} (${base})`);
} catch (error) {
  console.error(`registry-init: setting the global ${RULE} rule on ${base} failed: ${error.message}`);
  process.exitCode = 1;
}
