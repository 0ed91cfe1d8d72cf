// Validates Kubernetes objects against the API schemas of the kubernetes-models package, in a child process:
// kubernetes-models ships ES modules only, which Jest's CommonJS runtime cannot load.
//
//   stdin:  a JSON array of objects
//   stdout: a JSON array with one entry per object: null when valid, else the problems found
//
// Every object must map to a model, `kubernetes-models/<apiVersion>/<Kind>` (core: `v1/<Kind>`); one that maps to
// none is a problem too, so an unknown kind or a misspelt apiVersion never passes unchecked.
import { readFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(0, 'utf8'));

async function modelFor(apiVersion, kind) {
  if (!/^[a-z0-9.]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind];
  } catch (error) {
    if (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return undefined;
    throw error;
  }
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

async function problems(object) {
  const { apiVersion, kind } = object ?? {};
  const Model = await modelFor(String(apiVersion), String(kind));
  if (!Model) return [`no Kubernetes schema for apiVersion ${apiVersion}, kind ${kind}`];
  try {
    new Model(asServerDecodes(object)).validate();
    return null;
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    return error.errors.map((e) => `${e.instancePath || '/'} ${e.message}${paramsText(e.params)}`);
  }
}

const paramsText = (params) => (params?.allowedValues ? ` (${params.allowedValues.join(', ')})` : '');

const results = [];
for (const object of input) results.push(await problems(object));
process.stdout.write(JSON.stringify(results));
