// Checks the Kubernetes manifests: renders every overlay under deploy/k8s/overlays (render.mjs),
// validates every object (and the Secrets make-secrets.sh makes, and the ServiceMonitor) against
// the Kubernetes API schemas, and holds the manifests to the suite's own rules: non-root,
// read-only root filesystem, no capabilities, requests and limits, gRPC probes on the health port,
// a grace period that covers the drain, one replica per embedded database (two or more of what
// keeps nothing), every mounted ConfigMap and Secret provided, every key of the local
// configuration also in the cluster's; for the gateway, HTTP probes, the services' auth settings,
// upstreams at the Services over mutual TLS and the policies both ways; Ingress backends.
// Where kubectl is installed, each overlay must render exactly as `kubectl kustomize` renders it.
//   node check.mjs            exits 1 with every problem listed
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { render, RenderError } from "./render.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const k8s = resolve(here, "..");
const repo = resolve(k8s, "../..");
const SERVICES = ["reporting", "supervision", "proposals", "coordination"];
const problems = [];
const problem = (where, msg) => problems.push(`${where}: ${msg}`);

// The model class of every kind the manifests use, by apiVersion and kind.
async function modelOf(apiVersion, kind) {
  const mod =
    apiVersion === "monitoring.coreos.com/v1"
      ? `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`
      : `kubernetes-models/${apiVersion}/${kind}`;
  try {
    return (await import(mod))[kind];
  } catch {
    return undefined;
  }
}

async function validate(where, obj) {
  const Model = await modelOf(obj.apiVersion, obj.kind);
  if (!Model) return problem(where, `no schema for ${obj.apiVersion} ${obj.kind}`);
  try {
    new Model(obj).validate();
  } catch (e) {
    problem(where, `${obj.kind}/${obj.metadata.name}: ${e.message}`);
  }
}

const seconds = (d) => {
  const m = /^(\d+)(ms|s|m|h)$/.exec(String(d));
  if (!m) return NaN;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
};

function keyPaths(value, prefix = "") {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

// The suite's rules for a rendered overlay (plus the Secrets a deployment is given).
function checkRules(where, objects, secrets) {
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const configMaps = new Map(byKind("ConfigMap").map((o) => [o.metadata.name, o]));
  const secretNames = new Set(secrets.map((s) => s.metadata.name));
  for (const d of byKind("Deployment")) {
    const at = `${where} Deployment/${d.metadata.name}`;
    const pod = d.spec.template.spec;
    const psc = pod.securityContext ?? {};
    if (psc.runAsNonRoot !== true || !(psc.runAsUser > 0)) problem(at, "must run as non-root");
    if (pod.automountServiceAccountToken !== false) problem(at, "mounts a service account token");
    if (!pod.serviceAccountName || !find("ServiceAccount", pod.serviceAccountName)) {
      problem(at, "needs its own ServiceAccount");
    }
    const claims = (pod.volumes ?? []).some((v) => v.persistentVolumeClaim);
    if (claims && (d.spec.replicas !== 1 || d.spec.strategy?.type !== "Recreate")) {
      problem(at, "one replica with the Recreate strategy (one writer per database volume)");
    }
    if (!claims && !(d.spec.replicas >= 2 && d.spec.strategy?.type === "RollingUpdate")) {
      problem(at, "keeps nothing: at least two replicas, rolled one at a time (RollingUpdate)");
    }
    for (const c of pod.containers) {
      const sc = c.securityContext ?? {};
      if (sc.readOnlyRootFilesystem !== true) problem(at, `${c.name}: root filesystem not read-only`);
      if (sc.allowPrivilegeEscalation !== false) problem(at, `${c.name}: privilege escalation`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL")) problem(at, `${c.name}: capabilities kept`);
      for (const r of ["requests", "limits"]) {
        for (const x of ["cpu", "memory"]) {
          if (!c.resources?.[r]?.[x]) problem(at, `${c.name}: no ${r}.${x}`);
        }
      }
      if (!c.image.includes(":") || c.image.endsWith(":latest")) {
        problem(at, `${c.name}: image '${c.image}' needs a pinned tag`);
      }
    }
    for (const v of pod.volumes ?? []) {
      if (v.configMap && !configMaps.has(v.configMap.name)) {
        problem(at, `volume ${v.name}: ConfigMap ${v.configMap.name} is not in the overlay`);
      }
      if (v.secret && !secretNames.has(v.secret.secretName)) {
        problem(at, `volume ${v.name}: Secret ${v.secret.secretName} is not made by make-secrets.sh`);
      }
      if (v.persistentVolumeClaim && !find("PersistentVolumeClaim", v.persistentVolumeClaim.claimName)) {
        problem(at, `volume ${v.name}: no PersistentVolumeClaim ${v.persistentVolumeClaim.claimName}`);
      }
    }
    const name = d.metadata.name;
    if (name === "gateway") {
      checkGateway(at, objects, d, configMaps);
      continue;
    }
    if (!SERVICES.includes(name)) continue;
    const c = pod.containers[0];
    const health = c.ports.find((p) => p.name === "health")?.containerPort;
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      if (!c[probe]?.grpc || c[probe].grpc.port !== health) {
        problem(at, `${probe} must be a gRPC probe on the health port ${health}`);
      }
    }
    // The configuration the pod reads, from the ConfigMap it mounts.
    const configVolume = pod.volumes.find((v) => v.name === "config");
    const file = configMaps.get(configVolume?.configMap?.name)?.data?.[`${name}.yaml`];
    if (!file) {
      problem(at, `no ${name}.yaml in its config ConfigMap`);
      continue;
    }
    const config = parse(file);
    if (!(c.args ?? []).includes(`--config=/etc/zhongshu/config/${name}.yaml`)) {
      problem(at, "must start with --config=/etc/zhongshu/config/<service>.yaml");
    }
    const port = (addr) => Number(String(addr).split(":").pop());
    if (port(config.grpc.health_listen) !== health) problem(at, "grpc.health_listen is not the health port");
    const grpc = c.ports.find((p) => p.name === "grpc")?.containerPort;
    if (port(config.grpc.listen) !== grpc) problem(at, "grpc.listen is not the grpc port");
    const metrics = c.ports.find((p) => p.name === "metrics")?.containerPort;
    if (port(config.metrics.listen) !== metrics) problem(at, "metrics.listen is not the metrics port");
    const annotations = d.spec.template.metadata.annotations ?? {};
    if (annotations["prometheus.io/scrape"] !== "true" || Number(annotations["prometheus.io/port"]) !== metrics) {
      problem(at, "scrape annotations must name the metrics port");
    }
    // SIGTERM: preStop, then shutdown_grace serving, then drain_timeout for running calls.
    const preStop = Number((c.lifecycle?.preStop?.exec?.command ?? []).at(-1));
    const drain = preStop + seconds(config.grpc.shutdown_grace) + seconds(config.grpc.drain_timeout);
    if (!(preStop > 0)) problem(at, "needs a preStop pause so endpoints drop the pod first");
    if (!(pod.terminationGracePeriodSeconds >= drain + 5)) {
      problem(at, `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} does not cover ` +
        `preStop + shutdown_grace + drain_timeout (${drain} s) and the workers' stop`);
    }
    const svc = find("Service", name);
    if (!svc?.spec.ports.some((p) => p.name === "grpc" && p.port === grpc)) {
      problem(at, "needs a ClusterIP Service with a port named grpc");
    }
    if (!find("PodDisruptionBudget", name)) problem(at, "needs a PodDisruptionBudget");
    if (!find("NetworkPolicy", name)) problem(at, "needs a NetworkPolicy");
    // Every key a local run has must be set in the cluster's file too (defaults differ), except
    // per-tenant ones (a region code in the key), which each overlay sets in tenant-settings.env.
    const local = parse(readFileSync(join(repo, "deploy/local", `${name}.yaml`), "utf8"));
    const have = new Set(keyPaths(config));
    for (const key of keyPaths(local)) {
      if (/\.\d{6}(\.|$)/.test(key)) continue;
      if (!have.has(key)) problem(at, `deploy/k8s/base/config/${name}.yaml lacks ${key}`);
    }
    for (const [key, path] of [["org.file", "/etc/zhongshu/org/"], ["calendar.dir", "/etc/zhongshu/calendar"],
      ["data.dir", "/var/lib/zhongshu/data"], ["auth.hs256_secret_file", "/etc/zhongshu/auth/"]]) {
      const value = key.split(".").reduce((o, k) => o?.[k], config);
      if (value !== undefined && !String(value).startsWith(path)) problem(at, `${key} must be under ${path}`);
    }
  }
  for (const s of byKind("Service")) {
    if (!find("Deployment", s.metadata.name)) problem(`${where} Service/${s.metadata.name}`, "selects no Deployment");
  }
  // An Ingress sends to a Service of the overlay, by a port it has.
  for (const ing of byKind("Ingress")) {
    for (const rule of ing.spec.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const b = path.backend?.service;
        const svc = b && find("Service", b.name);
        const port = svc?.spec.ports.find((p) => (b.port?.name ? p.name === b.port.name : p.port === b.port?.number));
        if (!port) {
          problem(`${where} Ingress/${ing.metadata.name}`, `backend ${b?.name}:${b?.port?.name ?? b?.port?.number} is not a Service port of the overlay`);
        }
      }
    }
  }
}

// A NetworkPolicy rule's podSelector that selects pods with these labels (matchLabels only).
const selects = (selector, labels) =>
  !!selector && !selector.matchExpressions &&
  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

// The gateway: HTTP probes on its HTTP port, its configuration against the Deployment, the local
// configuration's keys and the services it calls, and the policies that let it through.
function checkGateway(at, objects, d, configMaps) {
  const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const pod = d.spec.template.spec;
  const c = pod.containers[0];
  const portOf = (name) => c.ports?.find((p) => p.name === name)?.containerPort;
  const http = portOf("http");
  const metrics = portOf("metrics");
  for (const [probe, path] of [["readinessProbe", "/readyz"], ["livenessProbe", "/healthz"]]) {
    const g = c[probe]?.httpGet;
    if (!g || g.path !== path || !(g.port === "http" || g.port === http)) {
      problem(at, `${probe} must be an HTTP GET of ${path} on the http port`);
    }
  }
  if (!((c.readinessProbe?.timeoutSeconds ?? 1) >= 4)) {
    problem(at, "readinessProbe.timeoutSeconds must cover /readyz asking four services (1 s each)");
  }
  if (!(c.args ?? []).includes("--config=/etc/zhongshu/config/gateway.yaml")) {
    problem(at, "must start with --config=/etc/zhongshu/config/gateway.yaml");
  }
  const configVolume = pod.volumes.find((v) => v.name === "config");
  const file = configMaps.get(configVolume?.configMap?.name)?.data?.["gateway.yaml"];
  if (!file) return problem(at, "no gateway.yaml in its config ConfigMap");
  const config = parse(file);
  const port = (addr) => Number(String(addr).split(":").pop());
  if (port(config.http?.listen) !== http) problem(at, "http.listen is not the http port");
  if (port(config.metrics?.listen) !== metrics) problem(at, "metrics.listen is not the metrics port");
  const annotations = d.spec.template.metadata.annotations ?? {};
  if (annotations["prometheus.io/scrape"] !== "true" || Number(annotations["prometheus.io/port"]) !== metrics) {
    problem(at, "scrape annotations must name the metrics port");
  }
  if (config.console?.dev_sign_in !== false) problem(at, "console.dev_sign_in must be false in a deployment");
  const local = parse(readFileSync(join(repo, "deploy/local/gateway.yaml"), "utf8"));
  const have = new Set(keyPaths(config));
  for (const key of keyPaths(local)) {
    if (!have.has(key)) problem(at, `deploy/k8s/base/config/gateway.yaml lacks ${key}`);
  }
  // Tokens are verified exactly as the services verify them.
  const reporting = parse(configMaps.get(
    find("Deployment", "reporting")?.spec.template.spec.volumes.find((v) => v.name === "config")?.configMap?.name,
  )?.data?.["reporting.yaml"] ?? "{}");
  if (JSON.stringify(sortKeys(config.auth ?? {})) !== JSON.stringify(sortKeys(reporting.auth ?? {}))) {
    problem(at, "auth.* must be the services' (reporting.yaml's) settings");
  }
  for (const key of ["ca_file", "cert_file", "key_file"]) {
    if (!String(config.upstream?.tls?.[key] ?? "").startsWith("/etc/zhongshu/tls/")) {
      problem(at, `upstream.tls.${key} must be under /etc/zhongshu/tls/ (mutual TLS to the services)`);
    }
  }
  const labels = d.spec.template.metadata.labels ?? {};
  let longest = 0;
  for (const s of SERVICES) {
    const grpc = find("Service", s)?.spec.ports.find((p) => p.name === "grpc")?.port;
    const u = config.upstream?.[s] ?? {};
    if (u.address !== `${s}:${grpc}`) problem(at, `upstream.${s}.address must be the Service ${s}:${grpc}`);
    longest = Math.max(longest, seconds(u.timeout ?? "10s"));
    // Its own policy lets it out to the service, and the service's lets it in.
    const own = find("NetworkPolicy", "gateway");
    const svcLabels = find("Deployment", s)?.spec.template.metadata.labels ?? {};
    const out = (own?.spec.egress ?? []).some((r) =>
      (r.to ?? []).some((t) => !t.namespaceSelector && selects(t.podSelector, svcLabels)) &&
      (r.ports ?? []).some((p) => p.port === grpc));
    if (!out) problem(at, `NetworkPolicy/gateway does not let it reach ${s}:${grpc}`);
    const theirs = find("NetworkPolicy", s);
    const into = (theirs?.spec.ingress ?? []).some((r) =>
      (r.from ?? []).some((f) => !f.namespaceSelector && selects(f.podSelector, labels)) &&
      (r.ports ?? []).some((p) => p.port === grpc));
    if (!into) problem(at, `NetworkPolicy/${s} does not admit the gateway on ${grpc}`);
  }
  const preStop = Number((c.lifecycle?.preStop?.exec?.command ?? []).at(-1));
  const drain = preStop + seconds(config.http?.shutdown_grace) + longest;
  if (!(preStop > 0)) problem(at, "needs a preStop pause so endpoints drop the pod first");
  if (!(pod.terminationGracePeriodSeconds >= drain + 5)) {
    problem(at, `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} does not cover ` +
      `preStop + http.shutdown_grace + the longest upstream timeout (${drain} s)`);
  }
  if (!find("Service", "gateway")?.spec.ports.some((p) => p.name === "http" && p.port === http)) {
    problem(at, "needs a ClusterIP Service with a port named http");
  }
  if (!find("PodDisruptionBudget", "gateway")) problem(at, "needs a PodDisruptionBudget");
  if (!(c.volumeMounts ?? []).some((m) => m.mountPath === "/tmp")) {
    problem(at, "needs a writable /tmp (exports are built in temporary files)");
  }
}

// An overlay's org tree and tenant settings hold together: tenants with known parents and no
// cycle, units and users of known tenants and units, and every ZS_DUTY_* setting naming a tenant
// of the tree and users of that tenant. (The services check the tree fully at start.)
function checkOrg(where, dir, objects) {
  let org;
  try {
    org = parse(readFileSync(join(dir, "org.yaml"), "utf8"));
  } catch (e) {
    return problem(`${where}/org.yaml`, e.message.split("\n")[0]);
  }
  const at = `${where}/org.yaml`;
  if (!org || !Array.isArray(org.tenants) || !org.tenants.length) return problem(at, "no tenants");
  const tenants = new Map();
  for (const t of org.tenants) {
    if (!/^\d{6}$/.test(String(t?.code ?? ""))) problem(at, `tenant code '${t?.code}' is not six digits`);
    else if (tenants.has(t.code)) problem(at, `tenant ${t.code} twice`);
    else tenants.set(t.code, t);
  }
  for (const [code, t] of tenants) {
    const seen = new Set();
    for (let c = code; c; c = tenants.get(c)?.parent ?? null) {
      if (!tenants.has(c)) {
        problem(at, `tenant ${code}: unknown parent ${c}`);
        break;
      }
      if (seen.has(c)) {
        problem(at, `tenant ${code}: its parents form a cycle`);
        break;
      }
      seen.add(c);
    }
    if (!t.name) problem(at, `tenant ${code} has no name`);
  }
  const units = new Map((org.units ?? []).map((u) => [u?.id, u]));
  for (const u of org.units ?? []) {
    if (!tenants.has(u?.tenant)) problem(at, `unit ${u?.id}: unknown tenant ${u?.tenant}`);
    else if (!String(u.id).startsWith(`${u.tenant}/`)) problem(at, `unit ${u.id} is not under ${u.tenant}/`);
  }
  const users = new Map();
  for (const u of org.users ?? []) {
    if (users.has(u?.id)) problem(at, `user ${u?.id} twice`);
    users.set(u?.id, u);
    if (!tenants.has(u?.tenant)) problem(at, `user ${u?.id}: unknown tenant ${u?.tenant}`);
    else if (units.get(u.unit)?.tenant !== u.tenant) problem(at, `user ${u.id}: unit ${u.unit} is not of ${u.tenant}`);
  }
  const settings = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("zs-tenant-settings"));
  for (const [key, value] of Object.entries(settings?.data ?? {})) {
    const m = /^ZS_DUTY_(FALLBACK|ESCALATION)_(\d{6})$/.exec(key);
    if (!m) {
      if (key.startsWith("ZS_DUTY_")) problem(`${where}/tenant-settings.env`, `${key}: not ZS_DUTY_FALLBACK_<code> or ZS_DUTY_ESCALATION_<code>`);
      continue;
    }
    if (!tenants.has(m[2])) problem(`${where}/tenant-settings.env`, `${key}: tenant ${m[2]} is not in org.yaml`);
    for (const id of value.split(",").map((x) => x.trim()).filter(Boolean)) {
      if (users.get(id)?.tenant !== m[2]) problem(`${where}/tenant-settings.env`, `${key}: ${id} is not a user of ${m[2]}`);
    }
  }
}

function sameObjects(a, b) {
  const key = (o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  const index = (list) => new Map(list.map((o) => [key(o), JSON.stringify(sortKeys(o))]));
  const ia = index(a);
  const ib = index(b);
  const diffs = [];
  for (const [k, v] of ia) if (ib.get(k) !== v) diffs.push(ib.has(k) ? `${k} differs` : `${k} only here`);
  for (const k of ib.keys()) if (!ia.has(k)) diffs.push(`${k} only in kubectl's`);
  return diffs;
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}

function hasKubectl() {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const overlays = readdirSync(join(k8s, "overlays"), { withFileTypes: true })
  .filter((e) => e.isDirectory()).map((e) => e.name).sort();
const kubectl = hasKubectl();
let count = 0;
for (const overlay of overlays) {
  const dir = join(k8s, "overlays", overlay);
  const where = `overlays/${overlay}`;
  let objects;
  try {
    objects = render(dir);
  } catch (e) {
    if (!(e instanceof RenderError)) throw e;
    problem(where, e.message);
    continue;
  }
  // The overlay names the namespace; it does not create it (deleting the overlay must not delete
  // the namespace and with it every claim).
  const ns = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8")).namespace;
  if (!ns) problem(where, "names no namespace");
  if (objects.some((o) => o.kind === "Namespace")) problem(where, "must not contain a Namespace");
  const secretsDir = mkdtempSync(join(tmpdir(), "zs-secrets-"));
  let secretsYaml;
  try {
    secretsYaml = execFileSync("bash", [join(k8s, "make-secrets.sh"), ns ?? "default", secretsDir],
      { encoding: "utf8" });
  } finally {
    rmSync(secretsDir, { recursive: true, force: true });
  }
  const secrets = parseAllDocuments(secretsYaml).map((d) => d.toJS()).filter(Boolean);
  for (const o of [...objects, ...secrets]) {
    await validate(where, o);
    count++;
  }
  checkRules(where, objects, secrets);
  checkOrg(where, dir, objects);
  if (kubectl) {
    const out = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 << 20 });
    const theirs = parseAllDocuments(out).map((d) => d.toJS()).filter(Boolean);
    for (const d of sameObjects(objects, theirs)) problem(where, `kubectl kustomize disagrees: ${d}`);
  }
}
const monitoring = join(k8s, "monitoring/servicemonitor.yaml");
if (existsSync(monitoring)) {
  for (const d of parseAllDocuments(readFileSync(monitoring, "utf8"))) {
    const o = d.toJS();
    if (o) {
      await validate("monitoring", o);
      count++;
    }
  }
}
// The dashboard asks only for metrics the services register (names as string literals in C++).
const dashboardFile = join(repo, "deploy/grafana/zhongshu.json");
if (existsSync(dashboardFile)) {
  const text = readFileSync(dashboardFile, "utf8");
  try {
    JSON.parse(text);
  } catch (e) {
    problem("deploy/grafana/zhongshu.json", e.message);
  }
  const sources = execFileSync("grep", ["-rhoE", '"zs_[a-z_]+"', join(repo, "libs"), join(repo, "services")],
    { encoding: "utf8" });
  const registered = new Set(sources.split("\n").map((l) => l.replace(/"/g, "")).filter(Boolean));
  for (const m of new Set(text.match(/zs_[a-z_]+/g) ?? [])) {
    const base = m.replace(/_(bucket|sum|count)$/, "");
    if (!registered.has(m) && !registered.has(base)) {
      problem("deploy/grafana/zhongshu.json", `metric ${m} is not registered by any service`);
    }
  }
}
if (problems.length) {
  console.error(problems.join("\n"));
  console.error(`${problems.length} problem(s) in the manifests`);
  process.exit(1);
}
console.log(`${overlays.length} overlays, ${count} objects valid` +
  (kubectl ? "; each renders as kubectl kustomize does" : "; kubectl not installed, rendering not compared"));
