// Renders a kustomization the way `kubectl kustomize` does, for the subset of kustomize the
// manifests under deploy/k8s use: resources (files and folders), namespace, labels (without
// selectors), configMapGenerator (files, envs, literals) with the content-hash name suffix, and images.
// Any other field is refused, so a manifest never depends on something rendered differently here.
// A fresh machine gets kustomize only this way (it is not a Debian package);
// check.mjs compares the two renderings wherever kubectl is installed.
//   node render.mjs DIR   prints the objects as YAML documents
import { createHash } from "node:crypto";
import { readFileSync, statSync, existsSync } from "node:fs";
import { basename, join, resolve, relative, isAbsolute } from "node:path";
import { parseAllDocuments, stringify } from "yaml";

const SUPPORTED = new Set([
  "apiVersion", "kind", "namespace", "labels", "resources", "configMapGenerator",
  "generatorOptions", "images",
]);
// Kinds that live outside namespaces (the ones these manifests could contain).
const CLUSTER_SCOPED = new Set([
  "Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
  "CustomResourceDefinition", "PriorityClass",
]);
// kustomize's output order (its "legacy" order): these kinds first, in this order, then the rest.
const ORDER_FIRST = [
  "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
  "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap",
  "Secret", "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
  "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
];
const ORDER_LAST = [
  "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
];

export class RenderError extends Error {}

function fail(where, msg) {
  throw new RenderError(`${where}: ${msg}`);
}

function readYamlDocs(file) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  const out = [];
  for (const d of docs) {
    if (d.errors.length) fail(file, d.errors[0].message);
    const v = d.toJS();
    if (v == null) continue;
    if (typeof v !== "object" || !v.kind || !v.apiVersion || !v.metadata?.name) {
      fail(file, "every document must have apiVersion, kind and metadata.name");
    }
    out.push(v);
  }
  return out;
}

// Go's encoding/json output for a map of strings (keys sorted, HTML characters escaped), which
// is what kustomize hashes.
function goJson(value) {
  if (typeof value === "string") {
    return JSON.stringify(value)
      .replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026")
      .replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  }
  if (value && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => goJson(k) + ":" + goJson(value[k])).join(",") + "}";
  }
  return JSON.stringify(value);
}

export function configMapHash(data) {
  // kustomize hashes the kind and the data with an empty name.
  const hex = createHash("sha256").update(goJson({ data, kind: "ConfigMap", name: "" })).digest("hex");
  const swap = { 0: "g", 1: "h", 3: "k", a: "m", e: "t" };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join("");
}

function inside(root, file) {
  const rel = relative(root, resolve(file));
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

function podSpecOf(obj) {
  if (obj.kind === "Pod") return obj.spec;
  if (obj.kind === "CronJob") return obj.spec?.jobTemplate?.spec?.template?.spec;
  return obj.spec?.template?.spec;
}

function forEachContainer(obj, fn) {
  const spec = podSpecOf(obj);
  if (!spec) return;
  for (const list of [spec.initContainers, spec.containers]) for (const c of list ?? []) fn(c);
}

// Points references to a generated ConfigMap at its suffixed name.
function renameConfigMapRefs(obj, renames) {
  const spec = podSpecOf(obj);
  if (!spec) return;
  const fix = (ref) => {
    if (ref && renames.has(ref.name)) ref.name = renames.get(ref.name);
  };
  for (const v of spec.volumes ?? []) {
    fix(v.configMap);
    for (const s of v.projected?.sources ?? []) fix(s.configMap);
  }
  forEachContainer(obj, (c) => {
    for (const e of c.env ?? []) fix(e.valueFrom?.configMapKeyRef);
    for (const e of c.envFrom ?? []) fix(e.configMapRef);
  });
}

function imageName(image) {
  const at = image.indexOf("@");
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = noDigest.lastIndexOf(":");
  return colon > noDigest.lastIndexOf("/") ? noDigest.slice(0, colon) : noDigest;
}

export function render(dir) {
  const kfile = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
    .map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!kfile) fail(dir, "no kustomization.yaml");
  const [k] = readYamlDocs2(kfile);
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key)) fail(kfile, `field '${key}' is not supported by this renderer`);
  }
  const here = resolve(dir);
  let objects = [];
  for (const r of k.resources ?? []) {
    const p = join(dir, r);
    if (!existsSync(p)) fail(kfile, `resource '${r}' does not exist`);
    if (statSync(p).isDirectory()) {
      objects.push(...render(p));
    } else {
      if (!inside(here, p)) fail(kfile, `file '${r}' is outside the kustomization's folder`);
      objects.push(...readYamlDocs(p));
    }
  }
  // Generated ConfigMaps, named with a hash of their content so a change rolls the pods.
  const renames = new Map();
  const noHash = k.generatorOptions?.disableNameSuffixHash === true;
  for (const g of k.configMapGenerator ?? []) {
    if (!g.name) fail(kfile, "a configMapGenerator needs a name");
    for (const key of Object.keys(g)) {
      if (!["name", "files", "envs", "literals", "options"].includes(key)) {
        fail(kfile, `configMapGenerator field '${key}' is not supported by this renderer`);
      }
    }
    const data = {};
    for (const f of g.files ?? []) {
      const eq = f.indexOf("=");
      const key = eq >= 0 ? f.slice(0, eq) : basename(f);
      const path = join(dir, eq >= 0 ? f.slice(eq + 1) : f);
      if (!inside(here, path)) fail(kfile, `file '${f}' is outside the kustomization's folder`);
      if (!existsSync(path)) fail(kfile, `file '${f}' does not exist`);
      if (key in data) fail(kfile, `key '${key}' appears twice in ${g.name}`);
      data[key] = readFileSync(path, "utf8");
    }
    for (const f of g.envs ?? []) {
      const path = join(dir, f);
      if (!inside(here, path)) fail(kfile, `file '${f}' is outside the kustomization's folder`);
      if (!existsSync(path)) fail(kfile, `file '${f}' does not exist`);
      for (const [n, raw] of readFileSync(path, "utf8").split("\n").entries()) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const eq = line.indexOf("=");
        if (eq <= 0) fail(`${path}:${n + 1}`, "not KEY=VALUE");
        if (line.slice(0, eq) in data) fail(`${path}:${n + 1}`, `${line.slice(0, eq)} is set twice`);
        data[line.slice(0, eq)] = line.slice(eq + 1);
      }
    }
    for (const l of g.literals ?? []) {
      const eq = l.indexOf("=");
      if (eq <= 0) fail(kfile, `literal '${l}' is not KEY=VALUE`);
      data[l.slice(0, eq)] = l.slice(eq + 1);
    }
    const suffixless = noHash || g.options?.disableNameSuffixHash === true;
    const name = suffixless ? g.name : `${g.name}-${configMapHash(data)}`;
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data };
    if (g.options?.labels) cm.metadata.labels = { ...g.options.labels };
    if (g.options?.annotations) cm.metadata.annotations = { ...g.options.annotations };
    if (name !== g.name) renames.set(g.name, name);
    objects.push(cm);
  }
  for (const o of objects) renameConfigMapRefs(o, renames);
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  for (const l of k.labels ?? []) {
    if (l.includeSelectors || l.includeTemplates) {
      fail(kfile, "labels with includeSelectors or includeTemplates are not supported");
    }
    for (const o of objects) o.metadata.labels = { ...(o.metadata.labels ?? {}), ...l.pairs };
  }
  for (const img of k.images ?? []) {
    for (const o of objects) {
      forEachContainer(o, (c) => {
        if (!c.image || imageName(c.image) !== img.name) return;
        let name = img.newName ?? img.name;
        if (img.digest) name += `@${img.digest}`;
        else if (img.newTag) name += `:${img.newTag}`;
        else {
          const rest = c.image.slice(imageName(c.image).length);
          name += rest;
        }
        c.image = name;
      });
    }
  }
  const seen = new Set();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    if (seen.has(id)) fail(dir, `${id} is defined twice`);
    seen.add(id);
  }
  return objects;
}

function readYamlDocs2(file) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  if (docs.length !== 1 || docs[0].errors.length) fail(file, "must be one YAML document");
  return [docs[0].toJS()];
}

function rank(kind) {
  const first = ORDER_FIRST.indexOf(kind);
  if (first >= 0) return first;
  const last = ORDER_LAST.indexOf(kind);
  return last >= 0 ? ORDER_FIRST.length + 1 + last : ORDER_FIRST.length;
}

export function sortObjects(objects) {
  return [...objects].sort((a, b) =>
    rank(a.kind) - rank(b.kind) || a.kind.localeCompare(b.kind) ||
    (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
    a.metadata.name.localeCompare(b.metadata.name));
}

// The objects of a multi-document YAML text (empty documents skipped).
export function parseObjects(text) {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new RenderError(d.errors[0].message);
    return d.toJS();
  }).filter(Boolean);
}

export function toYaml(objects) {
  return sortObjects(objects).map((o) => stringify(o, { lineWidth: 0 })).join("---\n");
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: node render.mjs KUSTOMIZATION_DIR");
    process.exit(2);
  }
  try {
    process.stdout.write(toYaml(render(dir)));
  } catch (e) {
    if (!(e instanceof RenderError)) throw e;
    console.error(`error: ${e.message}`);
    process.exit(1);
  }
}
