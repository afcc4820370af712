// Turns a rendered overlay into what `podman kube play` (podman 4.3) can run on one machine, and
// says exactly what it changed. Podman 4.3 runs Deployments, ConfigMap, PersistentVolumeClaim and
// emptyDir volumes and the securityContext; it does not implement Services, NetworkPolicies,
// PodDisruptionBudgets, ServiceAccounts, Ingresses or gRPC probes, it would run an HTTP probe as
// curl inside the container (the images have none), and it mounts a Secret's values still
// base64-encoded. So:
//   - Services, NetworkPolicies, PDBs, ServiceAccounts, the Ingress and the Namespace are left out
//     (they are checked against the schemas only, by deploy/k8s/tools/check.mjs);
//   - the gateway runs one replica (podman runs one anyway) without its HTTP probes, which the
//     test asks itself (/healthz, /readyz);
//   - every pod joins the host network, and the ports and peer addresses the cluster gets from
//     Services are set through the services' ZS_* environment overrides, on free loopback ports;
//   - each Secret volume mounts the same files from a ConfigMap holding the decoded values;
//   - the overlay's registry placeholder (registry.invalid/) becomes the images built here;
//   - Deployments, claims and ConfigMaps are renamed zs-play-<name> so they never meet another pod
//     or volume of this machine (podman makes a volume per ConfigMap and claim).
// The services' gRPC probes stay in the manifest (podman ignores them); the test asks the same
// health port.
//   node podman.mjs OVERLAY_DIR SECRETS_YAML OUT_DIR
// writes OUT_DIR/play.yaml and OUT_DIR/ports.env (shell assignments of the chosen ports).
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const tools = resolve(here, "../../deploy/k8s/tools");
const { render, toYaml, parseObjects } = await import(join(tools, "render.mjs"));

const [overlay, secretsFile, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: node podman.mjs OVERLAY_DIR SECRETS_YAML OUT_DIR");
  process.exit(2);
}
const SERVICES = ["reporting", "supervision", "proposals", "coordination"];

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const ports = { redis: await freePort() };
for (const s of SERVICES) {
  ports[s] = { grpc: await freePort(), health: await freePort(), metrics: await freePort() };
}
ports.gateway = { http: await freePort(), metrics: await freePort() };

const objects = render(overlay);
const secrets = parseObjects(readFileSync(secretsFile, "utf8"));
const keep = objects.filter((o) => ["Deployment", "ConfigMap", "PersistentVolumeClaim"].includes(o.kind));
for (const s of secrets) {
  const data = Object.fromEntries(
    Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
  keep.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `secret-${s.metadata.name}` }, data });
}
const play = (name) => `zs-play-${name}`;
for (const o of keep) {
  delete o.metadata.namespace;
  const name = o.metadata.name;
  o.metadata.name = play(name);
  if (o.kind !== "Deployment") continue;
  const pod = o.spec.template.spec;
  pod.hostNetwork = true;
  delete pod.serviceAccountName;
  for (const v of pod.volumes ?? []) {
    if (v.persistentVolumeClaim) v.persistentVolumeClaim.claimName = play(v.persistentVolumeClaim.claimName);
    if (v.configMap) v.configMap.name = play(v.configMap.name);
    if (v.secret) {
      v.configMap = { name: play(`secret-${v.secret.secretName}`) };
      if (v.secret.items) v.configMap.items = v.secret.items;
      delete v.secret;
    }
  }
  const c = pod.containers[0];
  c.image = c.image.replace(/^registry\.invalid\//, "localhost/");  // the images built here
  delete c.ports;  // podman refuses port mappings on the host network
  for (const e of c.envFrom ?? []) if (e.configMapRef) e.configMapRef.name = play(e.configMapRef.name);
  if (name === "redis") {
    c.args = [...c.args, "--port", String(ports.redis), "--bind", "127.0.0.1"];
    continue;
  }
  const upstreams = Object.fromEntries(SERVICES.map((u) =>
    [`ZS_UPSTREAM_${u.toUpperCase()}_ADDRESS`, `127.0.0.1:${ports[u].grpc}`]));
  const setEnv = (env) => {
    c.env = [...(c.env ?? []), ...Object.entries(env).map(([k, value]) => ({ name: k, value }))];
  };
  if (name === "gateway") {
    o.spec.replicas = 1;
    delete pod.topologySpreadConstraints;
    delete c.readinessProbe;
    delete c.livenessProbe;
    setEnv({
      ZS_HTTP_LISTEN: `127.0.0.1:${ports.gateway.http}`,
      ZS_METRICS_LISTEN: `127.0.0.1:${ports.gateway.metrics}`,
      ...upstreams,
    });
    continue;
  }
  const p = ports[name];
  const env = {
    ZS_GRPC_LISTEN: `127.0.0.1:${p.grpc}`,
    ZS_GRPC_HEALTH_LISTEN: `127.0.0.1:${p.health}`,
    ZS_METRICS_LISTEN: `127.0.0.1:${p.metrics}`,
    ZS_REDIS_ADDRESS: `127.0.0.1:${ports.redis}`,
  };
  setEnv({ ...env, ...upstreams });
}
writeFileSync(join(out, "play.yaml"), toYaml(keep));
const lines = [`REDIS_PORT=${ports.redis}`];
for (const s of SERVICES) {
  const u = s.toUpperCase();
  lines.push(`${u}_PORT=${ports[s].grpc}`, `${u}_HEALTH_PORT=${ports[s].health}`, `${u}_METRICS_PORT=${ports[s].metrics}`);
}
lines.push(`GATEWAY_PORT=${ports.gateway.http}`, `GATEWAY_METRICS_PORT=${ports.gateway.metrics}`);
writeFileSync(join(out, "ports.env"), lines.join("\n") + "\n");

