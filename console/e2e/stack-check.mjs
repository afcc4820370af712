// Checks that stack.mjs brings the suite up: readiness, a dev sign-in and one API call, then stop.
//   node console/e2e/stack-check.mjs
import { startStack } from './stack.mjs';

const stack = await startStack();
let ok = false;
try {
  console.log(`stack up at ${stack.baseURL} (data in ${stack.dataDir})`);

  const ready = await fetch(`${stack.baseURL}/readyz`);
  console.log(`GET /readyz -> ${ready.status}`, JSON.stringify(await ready.json(), null, 2));

  const signIn = await fetch(`${stack.baseURL}/auth/dev-sign-in`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: 'li.bianji' }),
  });
  const { token } = await signIn.json();
  const shown = token ? `${token.slice(0, 20)}...` : 'missing';
  console.log(`POST /auth/dev-sign-in -> ${signIn.status}, token ${shown}`);

  const listReports = '/api/zhongshu.reporting.v1.ReportingService/ListReports';
  const list = await fetch(stack.baseURL + listReports, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: '{}',
  });
  console.log(`POST ListReports -> ${list.status}`, JSON.stringify(await list.json()));

  ok = ready.status === 200 && signIn.status === 200 && list.status === 200;
} finally {
  await stack.stop();
}
console.log(ok ? 'stack check: OK' : 'stack check: FAILED');
process.exitCode = ok ? 0 : 1;
