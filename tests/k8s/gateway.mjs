// Checks the gateway container from outside, as a browser and the kubelet would reach it, after
// the demo story has run against the services (tests/k8s/play.sh):
//   - /healthz answers; /readyz is SERVING with the four services SERVING behind it;
//   - the console: index.html as built (console/dist), a route of the app, a hashed asset;
//   - the API with a token: /auth/me, ListReports (and 401 without a token);
//   - the demo's 督查通报 and 每日要情 as PDFs (A4, the text, Noto Serif CJK embedded: the fonts of
//     the gateway image), the 督查台账 as .xlsx (built in a temporary file: the /tmp volume on a
//     read-only root), the public replies without signing in;
//   - its /metrics counts those requests.
//   node gateway.mjs BASE_URL METRICS_URL CONSOLE_DIST OUT_DIR
// Tokens come from the environment: ZS_TEST_TOKEN_EDITOR (li.bianji), ZS_TEST_TOKEN_SUPERVISOR
// (zhao.ducha). Prints one line per check; exits 1 at the first failure.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [base, metricsUrl, dist, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: node gateway.mjs BASE_URL METRICS_URL CONSOLE_DIST OUT_DIR");
  process.exit(2);
}
const editor = process.env.ZS_TEST_TOKEN_EDITOR;
const supervisor = process.env.ZS_TEST_TOKEN_SUPERVISOR;
if (!editor || !supervisor) {
  console.error("ZS_TEST_TOKEN_EDITOR and ZS_TEST_TOKEN_SUPERVISOR must be set");
  process.exit(2);
}

function fail(msg) {
  console.error(`FAIL: gateway: ${msg}`);
  process.exit(1);
}
const ok = (msg) => console.log(`gateway: ${msg}`);

async function get(path, token, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(base + path, { ...init, headers, redirect: "manual" });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}
async function api(method, body, token) {
  const r = await get(`/api/${method}`, token, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  let json;
  try {
    json = JSON.parse(r.body.toString("utf8"));
  } catch {
    fail(`${method}: ${r.status}, not JSON: ${r.body.toString("utf8").slice(0, 200)}`);
  }
  if (r.status !== 200) fail(`${method}: ${r.status} ${JSON.stringify(json)}`);
  if (!/^[0-9a-f]{32}$/.test(r.headers.get("x-zs-trace-id") ?? "")) fail(`${method}: no X-Zs-Trace-Id`);
  return json;
}
const tool = (name, args) => {
  try {
    return execFileSync(name, args, { encoding: "utf8" });
  } catch (e) {
    if (e.code === "ENOENT") return null;  // poppler-utils missing: the byte checks still ran
    fail(`${name} ${args.join(" ")}: ${e.message}`);
  }
};

// A PDF document: its bytes, then what poppler reads back from them.
async function pdf(path, token, expectText) {
  const r = await get(path, token);
  if (r.status !== 200) fail(`${path}: ${r.status} ${r.body.toString("utf8").slice(0, 300)}`);
  if (!(r.headers.get("content-type") ?? "").startsWith("application/pdf")) {
    fail(`${path}: Content-Type ${r.headers.get("content-type")}`);
  }
  if (r.body.subarray(0, 5).toString("latin1") !== "%PDF-") fail(`${path}: not a PDF`);
  const file = join(out, path.split("/").slice(-2).join("-"));
  writeFileSync(file, r.body);
  const info = tool("pdfinfo", [file]);
  if (info === null) return `${r.body.length} bytes (poppler-utils not installed: not read back)`;
  const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
  if (!(pages >= 1)) fail(`${path}: pdfinfo found no pages`);
  if (!/Page size:\s+595\.\d+ x 841\.\d+/.test(info)) fail(`${path}: not A4: ${info}`);
  const text = tool("pdftotext", ["-layout", file, "-"]).replace(/\s+/g, "");
  if (!text.includes(expectText)) fail(`${path}: the text has no ${expectText}`);
  const fonts = tool("pdffonts", [file]);
  const serif = fonts.split("\n").filter((l) => /NotoSerifCJK/.test(l));
  // Columns: name, type, encoding, emb, sub, uni, object ID.
  if (!serif.length || serif.some((l) => !/\syes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$/.test(l))) {
    fail(`${path}: Noto Serif CJK is not embedded:\n${fonts}`);
  }
  return `${pages} page(s) A4, ${r.body.length} bytes, "${expectText}" in the text, Noto Serif CJK embedded`;
}

// Health: the kubelet's liveness and readiness requests.
const health = await get("/healthz");
if (health.status !== 200 || JSON.parse(health.body).status !== "ok") {
  fail(`/healthz: ${health.status} ${health.body}`);
}
const ready = await get("/readyz");
const readyBody = JSON.parse(ready.body);
const upstreams = Object.entries(readyBody.upstreams ?? {});
if (ready.status !== 200 || readyBody.status !== "SERVING") fail(`/readyz: ${ready.status} ${ready.body}`);
if (upstreams.length !== 4 || upstreams.some(([, u]) => u.status !== "SERVING")) {
  fail(`/readyz: the services are not all SERVING: ${ready.body}`);
}
ok(`/healthz ok; /readyz SERVING, ${upstreams.map(([n, u]) => `${n} ${u.status}`).join(", ")}`);

// The console, as built.
const index = readFileSync(join(dist, "index.html"));
const home = await get("/");
if (home.status !== 200 || !home.body.equals(index)) fail(`/: ${home.status}, not console/dist/index.html`);
const route = await get("/supervision");
if (route.status !== 200 || !route.body.equals(index)) fail("/supervision (an app route): not index.html");
const asset = /(?:src|href)="(\/assets\/[^"]+\.js)"/.exec(index.toString("utf8"))?.[1];
if (!asset) fail("index.html names no /assets/*.js");
const a = await get(asset);
if (a.status !== 200 || !a.body.equals(readFileSync(join(dist, asset)))) fail(`${asset}: ${a.status}`);
if (!/immutable/.test(a.headers.get("cache-control") ?? "")) fail(`${asset}: not cached as immutable`);
ok(`console: index.html (${index.length} bytes) at / and at an app route, ${asset} cached immutable`);

// The API with a token, and without one.
const me = await get("/auth/me", editor);
if (me.status !== 200 || JSON.parse(me.body).user?.id !== "li.bianji") fail(`/auth/me: ${me.status} ${me.body}`);
const anonymous = await get("/api/zhongshu.reporting.v1.ReportingService/ListReports", null, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
});
if (anonymous.status !== 401) fail(`ListReports without a token: ${anonymous.status}, not 401`);
const reports = await api("zhongshu.reporting.v1.ReportingService/ListReports", { page_size: 50 }, editor);
if (!(reports.reports?.length >= 1)) fail(`ListReports: no reports after the demo: ${JSON.stringify(reports)}`);
ok(`/auth/me is li.bianji; ListReports: ${reports.reports.length} reports; 401 without a token`);

// Documents: the notice and the bulletin the demo published.
const notices = await api("zhongshu.supervision.v1.SupervisionService/ListNotices", {}, supervisor);
const notice = notices.notices?.[0];
if (!notice) fail("ListNotices: the demo's notice is not there");
ok(`notice ${notice.id}: ${await pdf(`/documents/notice/${notice.id}.pdf`, supervisor, "督查通报")}`);
const bulletins = await api("zhongshu.reporting.v1.ReportingService/ListBulletins", {}, editor);
const bulletin = (bulletins.bulletins ?? []).find((b) => b.state === "BULLETIN_STATE_PUBLISHED");
if (!bulletin) fail("ListBulletins: the demo's published bulletin is not there");
ok(`bulletin ${bulletin.id}: ${await pdf(`/documents/bulletin/${bulletin.id}.pdf`, editor, "每日要情")}`);

// An export: libxlsxwriter writes a temporary file under TMPDIR before the bytes are sent.
const ledger = await get("/exports/ledger.xlsx", supervisor);
if (ledger.status !== 200 || ledger.body.subarray(0, 4).toString("latin1") !== "PK\x03\x04") {
  fail(`/exports/ledger.xlsx: ${ledger.status} ${ledger.body.subarray(0, 300).toString("utf8")}`);
}
ok(`/exports/ledger.xlsx: ${ledger.body.length} bytes, a zip (xlsx)`);

// The public replies, without signing in (the gateway's own token for the county).
const pub = await get("/api/public/replies?tenant=430204");
if (pub.status !== 200) fail(`/api/public/replies: ${pub.status} ${pub.body}`);
ok(`/api/public/replies?tenant=430204: ${JSON.parse(pub.body).replies?.length ?? 0} public replies`);

const metrics = await (await fetch(metricsUrl)).text();
for (const method of ["/documents", "/exports", "ReportingService/ListReports"]) {
  const counted = metrics.split("\n").some((l) => l.startsWith("zs_rpc_requests_total{") &&
    l.includes('code="OK"') && new RegExp(`method="[^"]*${method}"`).test(l));
  if (!counted) fail(`/metrics does not count ${method}`);
}
ok("/metrics counts the documents, the export and ListReports");
