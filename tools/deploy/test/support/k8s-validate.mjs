// Validates Kubernetes objects against the API schemas of their kinds, in a child process: the model packages ship
// ES modules only, which Jest's CommonJS runtime cannot load.
//
//   stdin:  a JSON array of objects
//   stdout: a JSON array with one entry per object: null when valid, else the problems found
//
// Kubernetes' own kinds map to `kubernetes-models/<apiVersion>/<Kind>` (core: `v1/<Kind>`). Custom resources map
// only through SERVED below: the operator releases the platform supports and the API versions they serve. An
// object that maps to no schema is a problem too, so an unknown kind, a misspelt apiVersion or an API version the
// operator no longer serves (kafka.strimzi.io/v1beta2) never passes unchecked.
//
// Unknown fields are refused, as `kubectl apply` (server-side field validation, Strict by default) refuses them.
// The packages' validators do not do that themselves: they are ajv code compiled from the schemas without
// additionalProperties: false, so `spec.kafka.replicas` would pass silently. `unknownFields` below adds the rule.
import { readFileSync } from 'node:fs';

/**
 * Custom resource API versions and the model package holding their schemas. Strimzi 1.0 removed every API version
 * but kafka.strimzi.io/v1; @kubernetes-models/strimzi-kafka-operator 1.0.1 compiles the CRDs of Strimzi 1.0.0
 * (kafka.strimzi.io/v1; the same v1 is served, unchanged for the fields used here, by Strimzi 1.1 and 1.2).
 * @kubernetes-models/keda 2.0.0 compiles KEDA 2's Go API types (keda.sh/v1alpha1, the only version KEDA 2 serves).
 * @kubernetes-models/prometheus-operator 6.0.0 compiles the Prometheus Operator's CRDs (monitoring.coreos.com/v1,
 * the version PodMonitor and PrometheusRule have been served at since the operator's 0.x releases).
 */
const SERVED = {
  'kafka.strimzi.io/v1': '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};
const CUSTOM_GROUPS = new Set(Object.keys(SERVED).map((apiVersion) => apiVersion.split('/')[0]));

const input = JSON.parse(readFileSync(0, 'utf8'));

async function modelFor(apiVersion, kind) {
  if (!/^[a-z0-9.]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const module = CUSTOM_GROUPS.has(group) ? SERVED[apiVersion] : `kubernetes-models/${apiVersion}`;
  if (!module) return undefined;
  try {
    return (await import(`${module}/${kind}`))[kind];
  } catch (error) {
    if (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return undefined;
    throw error;
  }
}

function noSchema(apiVersion, kind) {
  const group = String(apiVersion).split('/')[0];
  if (!CUSTOM_GROUPS.has(group)) return `no Kubernetes schema for apiVersion ${apiVersion}, kind ${kind}`;
  const served = Object.keys(SERVED).filter((candidate) => candidate.startsWith(`${group}/`));
  return `no schema for ${apiVersion} ${kind}: the supported operator releases serve ${group} only as ${served.join(', ')}`;
}

// kustomize wraps long base64 values over several lines; the API server's decoder skips the line breaks, the
// schema's "byte" format does not. Compare what the server would see.
function asServerDecodes(object) {
  const unwrap = (data) =>
    Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value).replace(/[\r\n]/g, '')]));
  if (object.kind === 'Secret' && object.data) return { ...object, data: unwrap(object.data) };
  if (object.kind === 'ConfigMap' && object.binaryData) return { ...object, binaryData: unwrap(object.binaryData) };
  return object;
}

/**
 * Runs a model's compiled validator on a view of the object that records, per object, which fields the validator
 * asked for by name and whether it listed the keys. The validator asks for every field its schema declares
 * (`properties`), lists the keys of a map (`additionalProperties: {...}`) and looks into neither for a free-form
 * object (`x-kubernetes-preserve-unknown-fields`, e.g. spec.kafka.config). So a field of an object whose fields
 * were asked for by name, but not this one, is a field the schema does not declare. (A declared field whose schema
 * accepts anything, `{}`, compiles to no code and would be reported too: the tests would show it, none is used.)
 */
function validateRecording(Model, object) {
  const seen = new Map();
  const views = new WeakMap();
  const view = (value) => {
    if (value === null || typeof value !== 'object') return value;
    if (!views.has(value)) {
      const record = { named: new Set(), listed: false };
      seen.set(value, record);
      const name = (key) => typeof key === 'string' && record.named.add(key);
      views.set(
        value,
        new Proxy(value, {
          get: (target, key) => (name(key), view(Reflect.get(target, key))),
          has: (target, key) => (name(key), Reflect.has(target, key)),
          ownKeys: (target) => ((record.listed = true), Reflect.ownKeys(target)),
        }),
      );
    }
    return views.get(value);
  };
  let errors = [];
  try {
    Model.prototype.validate.call(view(object));
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    errors = error.errors;
  }
  return { errors, seen };
}

/** Fields the schema does not declare, as "<path> is not a field of <apiVersion> <kind>" problems. */
function unknownFields(value, seen, path, where) {
  if (Array.isArray(value)) return value.flatMap((item, index) => unknownFields(item, seen, `${path}/${index}`, where));
  if (value === null || typeof value !== 'object') return [];
  const record = seen.get(value);
  // Not reached by the validator (it sits under a field reported already), or free-form: nothing to say.
  if (!record || (!record.listed && record.named.size === 0)) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    record.listed || record.named.has(key)
      ? unknownFields(child, seen, `${path}/${key}`, where)
      : [`${path}/${key} is not a field of ${where} (unknown field "${key}")`],
  );
}

const paramsText = (params) => (params?.allowedValues ? ` (${params.allowedValues.join(', ')})` : '');

async function problems(object) {
  const { apiVersion, kind } = object ?? {};
  const Model = await modelFor(String(apiVersion), String(kind));
  if (!Model) return [noSchema(apiVersion, kind)];
  const data = asServerDecodes(object);
  const { errors, seen } = validateRecording(Model, data);
  const found = [
    ...errors.map((e) => `${e.instancePath || '/'} ${e.message}${paramsText(e.params)}`),
    ...unknownFields(data, seen, '', `${apiVersion} ${kind}`),
  ];
  return found.length > 0 ? found : null;
}

const results = [];
for (const object of input) results.push(await problems(object));
process.stdout.write(JSON.stringify(results));
