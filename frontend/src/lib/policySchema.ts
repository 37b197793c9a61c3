// The policy documents' JSON Schema (policies/schema/document.schema.json, generated from the
// Rust types and imported as it is at build time), read the way the editor needs it: which keys
// a mapping at a YAML path may have, which values a field takes, its description, and whether it
// names actions or groups (which the schema cannot say: they come from the server).

import documentSchema from '../../../policies/schema/document.schema.json';
import { ITEM, type PathSegment } from './yamlContext';

export interface JsonSchema {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
}

export const DOCUMENT_SCHEMA = documentSchema as JsonSchema;

/** A schema reached by a path, with where it was reached from. */
interface Node {
  schema: JsonSchema;
  /** The `$defs` name the schema was resolved to, if any. */
  def: string | null;
  /** The object definition and property this node is the value (or an item of the value) of. */
  field: string | null;
  /** The property's own description, else the definition's. */
  description: string | null;
}

export interface KeyInfo {
  name: string;
  description: string | null;
  type: string;
  required: boolean;
}

export interface ValueInfo {
  value: string;
  description: string | null;
}

/** Fields whose values name things the schema does not list, by `Definition.property`. */
export type NameSource = 'action' | 'group';
export const NAME_FIELDS: Readonly<Record<string, NameSource>> = {
  'Rule.actions': 'action',
  'Limit.actions': 'action',
  'Window.actions': 'action',
  'Blackout.actions': 'action',
  'TemplateStep.action': 'action',
  'Compensation.action': 'action',
  'ApprovalStage.group': 'group',
  'ApprovalStage.anyOf': 'group',
};

function lookup(root: JsonSchema, ref: string): JsonSchema | null {
  if (!ref.startsWith('#/')) return null; // the schema is one self-contained file
  let at: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (typeof at !== 'object' || at === null) return null;
    at = (at as Record<string, unknown>)[part];
  }
  return (at as JsonSchema) ?? null;
}

/** Follows `$ref`s and opens `anyOf`/`oneOf`, leaving out the `null` alternative. */
function branches(root: JsonSchema, node: Node, seen = 0): Node[] {
  let { schema, def } = node;
  let description = node.description ?? schema.description ?? null;
  while (schema.$ref && seen < 32) {
    const target = lookup(root, schema.$ref);
    if (!target) return [];
    def = schema.$ref.split('/').pop() ?? def;
    schema = target;
    description = description ?? schema.description ?? null;
    seen++;
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    return alternatives.flatMap((alt) => branches(root, { schema: alt, def, field: node.field, description }, seen + 1));
  }
  if (schema.type === 'null') return [];
  return [{ schema, def, field: node.field, description }];
}

function isObject(s: JsonSchema): boolean {
  return s.properties !== undefined || s.type === 'object';
}

/** The schemas a document's value at `path` may have (several where the schema offers a choice). */
export function nodesAt(path: PathSegment[], kind: string | null, root: JsonSchema = DOCUMENT_SCHEMA): Node[] {
  let nodes = branches(root, { schema: root, def: null, field: null, description: null });
  // Documents are tagged by `kind`: with one given, only its alternative applies.
  const tagged = nodes.filter((n) => n.schema.properties?.kind?.const === kind);
  if (tagged.length > 0) nodes = tagged;
  for (const segment of path) {
    nodes = nodes.flatMap((n): Node[] => {
      if (segment === ITEM) {
        return n.schema.items ? branches(root, { schema: n.schema.items, def: null, field: n.field, description: null }) : [];
      }
      const prop = n.schema.properties?.[segment];
      if (!prop) return [];
      return branches(root, { schema: prop, def: null, field: n.def ? `${n.def}.${segment}` : null, description: prop.description ?? null });
    });
  }
  return nodes;
}

/** The keys a mapping at `path` may have: required ones first, each once. */
export function keysAt(path: PathSegment[], kind: string | null, root: JsonSchema = DOCUMENT_SCHEMA): KeyInfo[] {
  const out = new Map<string, KeyInfo>();
  for (const n of nodesAt(path, kind, root)) {
    if (!isObject(n.schema)) continue;
    for (const [name, prop] of Object.entries(n.schema.properties ?? {})) {
      if (out.has(name)) continue;
      const [first] = branches(root, { schema: prop, def: null, field: null, description: prop.description ?? null });
      out.set(name, {
        name,
        description: first?.description ?? prop.description ?? null,
        type: first ? typeLabel(nodesOf(root, prop), root) : 'any',
        required: n.schema.required?.includes(name) ?? false,
      });
    }
  }
  return [...out.values()].sort((a, b) => Number(b.required) - Number(a.required) || a.name.localeCompare(b.name));
}

function nodesOf(root: JsonSchema, schema: JsonSchema): Node[] {
  return branches(root, { schema, def: null, field: null, description: null });
}

/** The values the schema lists for the value at `path` (enums, tags, booleans). */
export function valuesAt(path: PathSegment[], kind: string | null, root: JsonSchema = DOCUMENT_SCHEMA): ValueInfo[] {
  const out = new Map<string, ValueInfo>();
  const add = (value: unknown, description: string | null) => {
    const text = String(value);
    if (!out.has(text)) out.set(text, { value: text, description });
  };
  // The document's `kind` is where a document's shape is chosen: every kind is offered there.
  const nodes = path.length === 1 && path[0] === 'kind' ? nodesAt(path, null, root) : nodesAt(path, kind, root);
  for (const n of nodes) {
    for (const v of n.schema.enum ?? []) add(v, null);
    if (n.schema.const !== undefined) add(n.schema.const, n.schema.description ?? null);
    if (n.schema.type === 'boolean' || (Array.isArray(n.schema.type) && n.schema.type.includes('boolean'))) {
      add(true, null);
      add(false, null);
    }
  }
  return [...out.values()];
}

/** Whether the value at `path` names actions or groups. */
export function nameSourceAt(path: PathSegment[], kind: string | null, root: JsonSchema = DOCUMENT_SCHEMA): NameSource | null {
  for (const n of nodesAt(path, kind, root)) {
    const source = n.field ? NAME_FIELDS[n.field] : undefined;
    // The array itself names nothing; its items (or a single-valued field) do.
    if (source && !n.schema.items) return source;
  }
  return null;
}

/** What the hover shows for the key at the end of `path`: its type and description. */
export function describeAt(path: PathSegment[], kind: string | null, root: JsonSchema = DOCUMENT_SCHEMA): { type: string; description: string | null } | null {
  const nodes = nodesAt(path, kind, root);
  if (nodes.length === 0) return null;
  return { type: typeLabel(nodes, root), description: nodes.find((n) => n.description)?.description ?? null };
}

/** A short type for people: `string`, `list of Rule`, `one of low, medium, high`. */
export function typeLabel(nodes: Node[], root: JsonSchema = DOCUMENT_SCHEMA): string {
  const labels = new Set<string>();
  for (const n of nodes) {
    const s = n.schema;
    if (s.enum) labels.add(`one of ${s.enum.map(String).join(', ')}`);
    else if (s.const !== undefined) labels.add(String(s.const));
    else if (s.items) {
      const item = nodesOf(root, s.items)[0];
      labels.add(`list of ${item?.def ?? simpleType(item?.schema)}`);
    } else if (isObject(s)) labels.add(n.def ?? 'mapping');
    else labels.add(simpleType(s));
  }
  return [...labels].join(' or ');
}

function simpleType(s: JsonSchema | undefined): string {
  if (!s?.type) return 'any';
  const types = (Array.isArray(s.type) ? s.type : [s.type]).filter((t) => t !== 'null');
  return types.join(' or ') || 'any';
}
