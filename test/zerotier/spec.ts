/**
 * ZeroTier's official OpenAPI documents as validators, for checking both directions over the wire: every
 * request the clients send and every answer the simulator gives (see conformance.ts).
 *
 * The documents are OpenAPI 3.0; ajv validates JSON Schema. What is adapted, and why:
 * 1. `nullable: true` becomes "or null" (anyOf with {type: null}): OpenAPI's keyword has no JSON Schema twin,
 *    and it also sits beside `$ref`, where ajv's own `nullable` support does not reach.
 * 2. `example` is dropped, `readOnly` is kept as an annotation in answers and, in requests, the property becomes
 *    forbidden: a client must not send what the server manages (ids, times, versions).
 * 3. The integer formats (int32, int64, uint8, uint16, uint32) become range checks; ipv4/ipv6/uri/hostname come
 *    from ajv-formats.
 * 4. Unanchored patterns (`[a-f0-9]{16}` for ids in the TypeSpec-generated document) are anchored: the source
 *    means "an id", not "a string containing one".
 * 5. Objects are closed (`additionalProperties: false`) unless the document opens them, so a field the
 *    simulator or a client invents or misspells fails. The real 1.14.1 service returns some fields its document
 *    does not describe; exactly those (UNDESCRIBED_BUT_REAL, checked against the samples in fixtures.test.ts)
 *    are allowed.
 * 6. Where the document and the real service disagree on a value, the real one is accepted too:
 *    controller route targets are CIDRs ("10.147.17.0/24") while the document says an IP address.
 * 7. Where the real service answers what the document does not allow, that answer is accepted too: 1.14.1 answers
 *    `DELETE /network/{network_id}` of a network it had not joined with `200 {}` (no `result`, never 404).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

// A copy of ../shared/specs/zerotier kept in the repository, so the suite runs wherever it is cloned.
export const SPEC_DIR = fileURLToPath(new URL('../fixtures/zerotier-specs/', import.meta.url));
export const SAMPLES_DIR = `${SPEC_DIR}samples-zerotier-one-1.14.1/`;

export type Api = 'central' | 'service';
type Mode = 'response' | 'request';
type Json = Record<string, unknown>;

/** Fields the real zerotier-one 1.14.1 returns that zerotier-one-v1.2.0.openapi.yaml does not describe. */
export const UNDESCRIBED_BUT_REAL: Record<string, string[]> = {
  ControllerNetwork: ['authTokens', 'authorizationEndpoint', 'clientId', 'remoteTraceLevel', 'remoteTraceTarget', 'rulesSource', 'ssoEnabled', 'meta'],
  'NodeStatus/config/settings': ['allowSecondaryPort', 'bind', 'homeDir'],
  'Peer/paths': ['localPort'],
};

const CIDR = '^([0-9]{1,3}\\.){3}[0-9]{1,3}/[0-9]{1,2}$|^[0-9a-fA-F:]+/[0-9]{1,3}$';

function loadDocuments(): Record<Api, Json> {
  return {
    central: JSON.parse(readFileSync(`${SPEC_DIR}central-v1.openapi.json`, 'utf8')) as Json,
    service: parseYaml(readFileSync(`${SPEC_DIR}zerotier-one-v1.2.0.openapi.yaml`, 'utf8')) as Json,
  };
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Rewrite one OpenAPI schema node (and its children) into JSON Schema; `where` names it for UNDESCRIBED_BUT_REAL. */
function adapt(node: unknown, api: Api, mode: Mode, where: string): unknown {
  if (Array.isArray(node)) return node.map((item, i) => adapt(item, api, mode, `${where}/${i}`));
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key === 'nullable' || key === 'readOnly' || key === 'deprecated') continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/components/schemas/', `${api}-${mode}.json#/definitions/`);
    } else if (key === 'pattern' && typeof value === 'string') {
      out.pattern = `^(?:${value.replace(/^\^/, '').replace(/\$$/, '')})$`;
    } else if (key === 'properties' && isObject(value)) {
      const props: Json = {};
      for (const [name, schema] of Object.entries(value)) {
        props[name] = mode === 'request' && isObject(schema) && schema.readOnly === true ? false : adapt(schema, api, mode, `${where}/${name}`);
      }
      for (const extra of UNDESCRIBED_BUT_REAL[where] ?? []) props[extra] ??= {};
      out.properties = props;
    } else if (key === 'items') {
      out.items = adapt(value, api, mode, where);
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = adapt(value, api, mode, where);
    } else if (key === 'additionalProperties') {
      out.additionalProperties = adapt(value, api, mode, where);
    } else {
      out[key] = value;
    }
  }
  // Route targets: the real controller sends CIDRs.
  if (api === 'service' && /^Controller(Network|NetworkRequest)\/routes\/target$/.test(where)) {
    return { anyOf: [out, { type: 'string', pattern: CIDR }] };
  }
  if (isObject(out.properties) && out.additionalProperties === undefined && !opensItself(node)) out.additionalProperties = false;
  if (node.nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

/** `allOf: [{additionalProperties: {}}]`: the TypeSpec document's way of saying "more fields may come". */
function opensItself(node: Json): boolean {
  return Array.isArray(node.allOf) && node.allOf.some((part) => isObject(part) && part.additionalProperties !== undefined);
}

function integerFormat(min: number, max: number) {
  return { type: 'number' as const, validate: (n: number) => Number.isInteger(n) && n >= min && n <= max };
}

export interface SpecValidator {
  /** Errors of an answer body for this route and status; [] when it conforms (or the document says nothing). */
  response(api: Api, method: string, route: string, status: number, body: unknown): string[];
  /** Errors of a request body; [] when it conforms. */
  request(api: Api, method: string, route: string, body: unknown): string[];
  /** Errors of a value against a named component schema (answer mode). */
  schema(api: Api, name: string, value: unknown): string[];
  documents: Record<Api, Json>;
}

export function createSpecValidator(): SpecValidator {
  const documents = loadDocuments();
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false });
  // ajv-formats is CommonJS; its default export arrives wrapped once more under some loaders.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => void;
  addFormats(ajv);
  ajv.addFormat('int32', integerFormat(-(2 ** 31), 2 ** 31 - 1));
  ajv.addFormat('int64', integerFormat(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  ajv.addFormat('uint8', integerFormat(0, 255));
  ajv.addFormat('uint16', integerFormat(0, 65535));
  ajv.addFormat('uint32', integerFormat(0, 2 ** 32 - 1));
  for (const api of ['central', 'service'] as const) {
    const schemas = (documents[api].components as Json).schemas as Json;
    for (const mode of ['response', 'request'] as const) {
      const definitions: Json = {};
      for (const [name, schema] of Object.entries(schemas)) definitions[name] = adapt(schema, api, mode, name);
      ajv.addSchema({ $id: `${api}-${mode}.json`, definitions });
    }
  }
  const compiled = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: unknown): ValidateFunction => {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(schema as Json);
      compiled.set(key, validate);
    }
    return validate;
  };
  const run = (validate: ValidateFunction, value: unknown): string[] =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);

  const operation = (api: Api, method: string, route: string): Json | undefined => {
    const paths = documents[api].paths as Json;
    const item = paths[route];
    return isObject(item) && isObject(item[method.toLowerCase()]) ? (item[method.toLowerCase()] as Json) : undefined;
  };
  const resolveResponse = (api: Api, response: unknown): Json | undefined => {
    if (isObject(response) && typeof response.$ref === 'string') {
      const name = response.$ref.split('/').pop() ?? '';
      return ((documents[api].components as Json).responses as Json)[name] as Json;
    }
    return isObject(response) ? response : undefined;
  };
  const jsonSchemaOf = (content: unknown): unknown => {
    if (!isObject(content)) return undefined;
    const json = content['application/json'];
    return isObject(json) ? json.schema : undefined;
  };

  return {
    documents,
    response(api, method, route, status, body) {
      const op = operation(api, method, route);
      if (!op) return [`${method} ${route} is not in the ${api} document`];
      const response = resolveResponse(api, (op.responses as Json)[String(status)]);
      if (!response) {
        // Services answer errors their documents do not list (429, 500); an undocumented success is drift.
        return status >= 200 && status < 300 ? [`${method} ${route} answered ${status}, which the ${api} document does not list`] : [];
      }
      const schema = jsonSchemaOf(response.content);
      if (schema === undefined) return [];
      if (api === 'service' && method === 'DELETE' && route === '/network/{network_id}' && status === 200 && isObject(body) && Object.keys(body).length === 0) return [];
      return run(compile(`${api} ${method} ${route} ${status}`, adapt(schema, api, 'response', 'inline')), body);
    },
    request(api, method, route, body) {
      const op = operation(api, method, route);
      if (!op) return [`${method} ${route} is not in the ${api} document`];
      const schema = isObject(op.requestBody) ? jsonSchemaOf(op.requestBody.content) : undefined;
      if (schema === undefined) return body === undefined ? [] : [`${method} ${route} takes no body in the ${api} document`];
      return run(compile(`${api} ${method} ${route} request`, adapt(schema, api, 'request', 'inline')), body);
    },
    schema(api, name, value) {
      return run(compile(`${api} schema ${name}`, { $ref: `${api}-response.json#/definitions/${name}` }), value);
    },
  };
}
