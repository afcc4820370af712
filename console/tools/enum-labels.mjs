// Reads the services' .proto files and writes src/generated/enums.json: each enum value's Chinese
// name, taken from its comment in the .proto (`REPORT_STATE_RETURNED = 3;  // 退回修改`), so the
// console and the API share one vocabulary. Run by `npm run build` (prebuild).
import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const protoRoot = join(here, '../../proto/zhongshu');
const cjk = /[\u4e00-\u9fff]/;

// The Chinese name in a value's comment: the text before the first ':' or ',' or ' (' when it is
// Chinese, else the Chinese text after a ':'.
function labelOf(comment) {
  const cut = (s) => s.split(/[:,，]| \(/)[0].trim();
  const head = cut(comment);
  if (cjk.test(head)) return head;
  const colon = comment.indexOf(':');
  if (colon >= 0 && cjk.test(comment.slice(colon + 1))) return cut(comment.slice(colon + 1));
  return null;
}

const labels = {};
const conflicts = [];
for (const service of readdirSync(protoRoot)) {
  const dir = join(protoRoot, service, 'v1');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.proto'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const m = line.match(/^\s+([A-Z][A-Z0-9_]+) = \d+;\s*\/\/\s*(.*)$/);
      if (!m) continue;
      const label = labelOf(m[2]);
      if (!label) continue;
      if (labels[m[1]] && labels[m[1]] !== label) conflicts.push(`${m[1]}: ${labels[m[1]]} / ${label}`);
      labels[m[1]] ??= label;
    }
  }
}
if (conflicts.length) {
  console.error(`enum values named twice with different labels:\n  ${conflicts.join('\n  ')}`);
  process.exit(1);
}
mkdirSync(join(here, '../src/generated'), { recursive: true });
writeFileSync(join(here, '../src/generated/enums.json'), JSON.stringify(labels, null, 1) + '\n');
console.log(`enum labels: ${Object.keys(labels).length}`);
