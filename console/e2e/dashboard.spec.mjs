// 统计分析 and 建议提案办理统计 in the browser. Each role's figures are noted first (other stories
// may have run on the same suite); then the set-up goes through the API: reports adopted at the
// county and city level, supervision tasks of which two are overdue and three warned (blue,
// yellow, red), a proposal answered with class B and rated 不满意 and one with class A rated 满意.
// 督查室, 张书记 and 吴提案 then find exactly those differences in the tables under the charts;
// another county's leader sees none of 石峰区's figures.
//
// Overdue needs time to pass. The services read "now" from the suite's clock file (ZS_CLOCK_FILE,
// see stack.mjs): the tasks are assigned with the clock set about two and a half working weeks
// back, with due dates chosen on the working-day calendar (deploy/calendar) so that, with the
// clock back at the present, the warning ladder gives one task a red card, one a yellow and one a
// blue, and two are past their due date for the browser too.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from '@playwright/test';
import { signIn, screenshots, choose, api } from './helpers.mjs';

// Generous: each test signs in and reads whole pages, on a machine other runs share.
test.describe.configure({ mode: 'serial', timeout: 180_000 });

const R = 'zhongshu.reporting.v1.ReportingService/';
const S = 'zhongshu.supervision.v1.SupervisionService/';
const P = 'zhongshu.proposals.v1.ProposalsService/';
const SESSION = '十届五次'; // a session no other story uses: its figures are this story's alone
const SECTIONS = ['cards', 'ranking', 'adoption', 'trend', 'satisfaction', 'classes'];
const FGJ = '430204/fgj';
const YJJ = '430204/yjj';
const STHJ = '430204/sthj';
const LUSONG = '430203/qwb';
const rid = () => crypto.randomUUID();

// The working-day calendar the services use: holidays and make-up working days are data.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const daysOff = new Set();
const daysOn = new Set();
for (const f of fs.readdirSync(path.join(root, 'deploy/calendar')).filter((x) => x.endsWith('.yaml'))) {
  const text = fs.readFileSync(path.join(root, 'deploy/calendar', f), 'utf8');
  for (const [, from, to] of text.matchAll(/from:\s*(\d{4}-\d{2}-\d{2}),\s*to:\s*(\d{4}-\d{2}-\d{2})/g)) {
    for (let d = from; d <= to; d = addDays(d, 1)) daysOff.add(d);
  }
  for (const [, d] of text.matchAll(/\{date:\s*(\d{4}-\d{2}-\d{2})/g)) daysOn.add(d);
}
const isWorkingDay = (d) => daysOn.has(d) || (!daysOff.has(d) && ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));
// `n` working days after (or, negative, before) the date.
function workingDays(d, n) {
  let x = d;
  for (let k = Math.abs(n); k > 0;) {
    x = addDays(x, Math.sign(n));
    if (isWorkingDay(x)) k -= 1;
  }
  return x;
}
const beijingDate = (ms) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

// Points per adoption level, from the reporting configuration the suite runs with.
const points = Object.fromEntries([...fs.readFileSync(path.join(root, 'deploy/local/reporting.yaml'), 'utf8')
  .match(/adoption:\s*\{([^}]*)\}/)[1].matchAll(/(\w+):\s*(\d+)/g)].map(([, k, v]) => [k, Number(v)]));

// The services' clock (stack.mjs): a number of milliseconds in a file, replaced atomically.
const clockFile = () => process.env.ZS_E2E_CLOCK_FILE;
const readClock = () => Number(fs.readFileSync(clockFile(), 'utf8').trim());
function setClock(ms) {
  const tmp = `${clockFile()}.dashboard.tmp`;
  fs.writeFileSync(tmp, `${Math.round(ms)}\n`);
  fs.renameSync(tmp, clockFile());
}

let now = 0; // the services' time during the story
let today = '';
let past = ''; // the day the tasks are assigned
const before = {};

test.beforeAll(() => {
  now = readClock();
  today = beijingDate(now);
  past = workingDays(today, -12);
});

// One page's figures: { state: { section: 'ready' | 'denied' | ... }, section: { rowKey: { column:
// text } } }, read from the tables under the charts. The trend of the year the tasks were
// assigned in is read too when that is another year.
async function figures(page) {
  const read = async (year) => {
    await page.goto(`/dashboard?year=${year}`);
    const out = { state: {} };
    for (const name of SECTIONS) {
      const section = page.getByTestId(`section-${name}`);
      await expect(section).toHaveAttribute('data-state', /^(ready|denied|error)$/);
      out.state[name] = await section.getAttribute('data-state');
      out[name] = await section.locator(`[data-test="table-${name}"] tbody tr[data-key]`).evaluateAll((rows) =>
        Object.fromEntries(rows.map((r) => [r.dataset.key,
          Object.fromEntries([...r.cells].map((c) => [c.dataset.col, c.textContent.trim()]))])));
    }
    return out;
  };
  const f = await read(today.slice(0, 4));
  if (past.slice(0, 4) !== today.slice(0, 4)) Object.assign(f.trend, (await read(past.slice(0, 4))).trend);
  return f;
}
const num = (f, table, key, col) => Number(f?.[table]?.[key]?.[col] ?? 0);

// Each expected difference as [table, row, column, difference]; one comparison shows them all.
function expectDeltas(after, base, deltas) {
  const got = {};
  const want = {};
  for (const [table, key, col, d] of deltas) {
    const k = `${table} ${key} ${col}`;
    got[k] = num(after, table, key, col);
    want[k] = num(base, table, key, col) + d;
  }
  expect(got).toEqual(want);
}

const CARDS = [
  ['cards', FGJ, 'open', 1], ['cards', FGJ, 'overdue', 1], ['cards', FGJ, 'blue', 0], ['cards', FGJ, 'yellow', 0], ['cards', FGJ, 'red', 1],
  ['cards', YJJ, 'open', 1], ['cards', YJJ, 'overdue', 1], ['cards', YJJ, 'blue', 0], ['cards', YJJ, 'yellow', 1], ['cards', YJJ, 'red', 0],
  ['cards', STHJ, 'open', 1], ['cards', STHJ, 'overdue', 0], ['cards', STHJ, 'blue', 1], ['cards', STHJ, 'yellow', 0], ['cards', STHJ, 'red', 0],
];
const INFORMATION = () => [
  ['ranking', FGJ, 'points', points.county + points.city], ['ranking', FGJ, 'entries', 2],
  ['ranking', STHJ, 'points', points.city], ['ranking', STHJ, 'entries', 1],
  ['adoption', FGJ, 'county', 1], ['adoption', FGJ, 'city', 1], ['adoption', FGJ, 'province', 0], ['adoption', FGJ, 'total', 2],
  ['adoption', STHJ, 'county', 0], ['adoption', STHJ, 'city', 1], ['adoption', STHJ, 'total', 1],
  ['trend', today.slice(0, 7), 'submitted', 4], ['trend', today.slice(0, 7), 'adopted', 3],
];
const TASK_TREND = () => [['trend', past.slice(0, 7), 'assigned', 4], ['trend', past.slice(0, 7), 'closed', 1]];
const PROPOSALS = [
  ['satisfaction', STHJ, 'satisfied', 0], ['satisfaction', STHJ, 'unsatisfied', 1], ['satisfaction', STHJ, 'total', 1],
  ['satisfaction', YJJ, 'satisfied', 1], ['satisfaction', YJJ, 'unsatisfied', 0], ['satisfaction', YJJ, 'total', 1],
  ['classes', STHJ, 'a', 0], ['classes', STHJ, 'b', 1], ['classes', STHJ, 'c', 0],
  ['classes', YJJ, 'a', 1], ['classes', YJJ, 'b', 0], ['classes', YJJ, 'c', 0],
];

// Every chart drew something: a canvas of non-zero size with pixels on it.
async function expectDrawn(page, name) {
  const canvas = page.getByTestId(`chart-${name}`).locator('canvas').first();
  await expect(canvas).toBeVisible();
  const box = await canvas.boundingBox();
  expect(box.width).toBeGreaterThan(0);
  expect(box.height).toBeGreaterThan(0);
  const painted = await canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1;
    return n;
  });
  expect(painted).toBeGreaterThan(0);
  return box;
}

async function statisticsTables(page) {
  const read = (name) => page.locator(`[data-test="table-${name}"] tbody tr[data-key]`).evaluateAll((rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.key,
      Object.fromEntries([...r.cells].map((c) => [c.dataset.col, c.textContent.trim()]))])));
  await expect(page.getByTestId('section-units')).toHaveAttribute('data-state', 'ready');
  return { units: await read('units'), sessions: await read('sessions') };
}

test('before the set-up, each role\'s figures are noted', async ({ page }) => {
  for (const [user, name] of [['zhao.ducha', '赵督查'], ['zhang.shuji', '张书记'], ['wu.tian', '吴提案'], ['yang.shuji', '杨书记']]) {
    await signIn(page, user, name);
    before[user] = await figures(page);
  }
  await page.goto('/proposals/statistics');
  before.statistics = await statisticsTables(page);
});

test('set-up: reports adopted, tasks overdue and warned, proposals answered and rated', async ({ request }) => {
  // 李编辑 writes for two units of 石峰区; three of four are adopted, at the county and city level.
  const report = async (user, unit, title, level) => {
    const r = await api(request, user, `${R}CreateReport`, { request_id: rid(), report: {
      title, body: `${title}：情况如下。`, kind: 'REPORT_KIND_DYNAMIC', sensitivity: 'SENSITIVITY_PUBLIC', unit_id: unit } });
    await api(request, user, `${R}SubmitReport`, { request_id: rid(), id: r.id });
    if (level) await api(request, user, `${R}AdoptReport`, { request_id: rid(), id: r.id, level });
  };
  await report('li.bianji', FGJ, '重点项目投资进度月报', 'LEVEL_COUNTY');
  await report('li.bianji', FGJ, '产业园区招商引资新进展', 'LEVEL_CITY');
  await report('li.bianji', FGJ, '项目审批服务事项清单调整', null);
  await report('li.bianji', STHJ, '霞湾港水质持续改善', 'LEVEL_CITY');
  // 芦淞区 (430203) adopts one of its own at the province level: 石峰区 must not see it.
  await report('ma.xinxi', LUSONG, '芦淞区服饰产业集群转型做法', 'LEVEL_PROVINCE');

  // 督查室 assigns four tasks with the services' clock set back to `past`.
  setClock(now - (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${past}T00:00:00Z`)));
  try {
    const item = await api(request, 'zhao.ducha', `${S}CreateItem`, { request_id: rid(), item: {
      title: '重点民生实事项目推进', source_type: 'SOURCE_TYPE_OTHER', requirement: '按期完成年度民生实事项目。',
      deadline: addDays(today, 60) } });
    const task = (unit, deliverable, due) => api(request, 'zhao.ducha', `${S}AssignTask`, { request_id: rid(),
      task: { item_id: item.id, lead_unit: unit, deliverable, due_date: due } });
    // Red: 5 working days overdue by yesterday (its blue and yellow are passed over).
    await task(FGJ, '完成项目前期审批', workingDays(today, -7));
    // Yellow: overdue since yesterday, not yet 5 working days.
    await task(YJJ, '完成应急避难场所改造', workingDays(today, -2));
    // Blue: due in two working days.
    await task(STHJ, '完成黑臭水体整治验收', workingDays(today, 2));
    // Closed (销号) the day it was assigned.
    const done = await task(STHJ, '完成饮用水水源地标识设置', workingDays(today, 20));
    await api(request, 'zhou.huanbao', `${S}AcceptTask`, { request_id: rid(), id: done.id });
    await api(request, 'zhou.huanbao', `${S}ReportCompletion`, { request_id: rid(), id: done.id, summary: '标识已全部设置。' });
    await api(request, 'zhao.ducha', `${S}VerifyTask`, { request_id: rid(), id: done.id, approve: true });
  } finally {
    setClock(now);
  }

  // Two proposals of this session: one answered B and rated 不满意, one answered A and rated 满意.
  const proposal = async (proposer, title, unit, handler, replyClass, satisfaction, comment) => {
    const p = await api(request, proposer, `${P}CreateProposal`, { request_id: rid(), proposal: {
      kind: 'PROPOSAL_KIND_CPPCC_PROPOSAL', session: SESSION, title, content: `${title}，建议如下。`, category: '生态环境' } });
    await api(request, 'wu.tian', `${P}ReviewProposal`, { request_id: rid(), id: p.id, decision: 'REVIEW_DECISION_REGISTER' });
    await api(request, 'wu.tian', `${P}AssignProposal`, { request_id: rid(), id: p.id, mode: 'ASSIGNMENT_MODE_SOLE', lead_unit: unit });
    await api(request, handler, `${P}SignHandling`, { request_id: rid(), id: p.id });
    await api(request, handler, `${P}LogContact`, { request_id: rid(), id: p.id,
      contact: { method: 'CONTACT_METHOD_PHONE', summary: '电话听取委员意见。' } });
    await api(request, handler, `${P}ReplyProposal`, { request_id: rid(), id: p.id,
      reply: { reply_class: replyClass, text: '已研究办理，答复如下。' } });
    await api(request, proposer, `${P}RateProposal`, { request_id: rid(), id: p.id, satisfaction, comment });
  };
  await proposal('feng.weiyuan', '关于加强霞湾港沿岸污染源管控的提案', STHJ, 'zhou.huanbao', 'REPLY_CLASS_B',
    'SATISFACTION_UNSATISFIED', '整治时间表不明确。');
  await proposal('lin.weiyuan', '关于完善社区应急物资储备的提案', YJJ, 'deng.yingji', 'REPLY_CLASS_A',
    'SATISFACTION_SATISFIED', '');
});

test('督查室: overdue tasks and cards by unit, information figures; proposals are not theirs', async ({ page }) => {
  await signIn(page, 'zhao.ducha', '赵督查');
  let after = null;
  // The warning ladder runs on the services' own loop once the clock is back: wait for its cards.
  await expect(async () => {
    after = await figures(page);
    expectDeltas(after, before['zhao.ducha'], CARDS);
  }).toPass({ timeout: 90_000 });
  expectDeltas(after, before['zhao.ducha'], [...INFORMATION(), ...TASK_TREND()]);
  expect(after.state).toEqual({ cards: 'ready', ranking: 'ready', adoption: 'ready', trend: 'ready', satisfaction: 'denied', classes: 'denied' });
  expect(Object.keys(after.adoption).filter((k) => !k.startsWith('430204/'))).toEqual([]);
  await expect(page.getByTestId('to-proposal-statistics')).toHaveCount(0);
  for (const name of ['cards', 'ranking', 'adoption', 'trend']) await expectDrawn(page, name);
});

test('张书记: every chart, the same figures, and on a phone the charts stacked', async ({ page }) => {
  await signIn(page, 'zhang.shuji', '张书记');
  await page.getByRole('menuitem', { name: '统计分析' }).click();
  await expect(page).toHaveURL(/\/dashboard/);
  const after = await figures(page);
  expectDeltas(after, before['zhang.shuji'], [...CARDS, ...INFORMATION(), ...TASK_TREND(), ...PROPOSALS]);
  expect(Object.values(after.state)).toEqual(SECTIONS.map(() => 'ready'));
  for (const table of SECTIONS) {
    expect(Object.keys(after[table]).filter((k) => k.startsWith('430203/'))).toEqual([]);
  }
  // The 红牌 column shows the number, readable without the chart.
  await expect(page.locator(`[data-test="table-cards"] tr[data-key="${FGJ}"] td[data-col="red"]`))
    .toHaveText(String(num(before['zhang.shuji'], 'cards', FGJ, 'red') + 1));
  const wide = {};
  for (const name of SECTIONS) wide[name] = await expectDrawn(page, name);
  expect(wide.ranking.x).toBeGreaterThan(wide.cards.x + wide.cards.width - 1); // side by side

  await page.setViewportSize({ width: 390, height: 844 });
  // Each chart follows its container: narrower than the phone, one under the other.
  await expect(async () => {
    const narrow = {};
    for (const name of SECTIONS) narrow[name] = await page.getByTestId(`chart-${name}`).locator('canvas').first().boundingBox();
    for (const name of SECTIONS) expect(narrow[name].width).toBeLessThanOrEqual(390);
    for (let i = 1; i < SECTIONS.length; i += 1) {
      expect(narrow[SECTIONS[i]].y).toBeGreaterThan(narrow[SECTIONS[i - 1]].y + narrow[SECTIONS[i - 1]].height - 1);
    }
  }).toPass();
  for (const name of SECTIONS) await expectDrawn(page, name);
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`/dashboard?year=${today.slice(0, 4)}`);
  for (const name of SECTIONS) await expectDrawn(page, name);
  await screenshots(page, 'dashboard');
});

test('吴提案: the statistics by unit and session, exported as Excel; the dashboard\'s proposal charts', async ({ page }) => {
  await signIn(page, 'wu.tian', '吴提案');
  await page.getByRole('menuitem', { name: '建议提案' }).click();
  await page.getByTestId('to-statistics').click();
  await expect(page).toHaveURL(/\/proposals\/statistics$/);
  const all = await statisticsTables(page);
  const b = before.statistics;
  const unitDeltas = (key, d) => Object.entries(d).map(([col, n]) => [key, col, n]);
  const got = {};
  const want = {};
  for (const [key, col, d] of [
    ...unitDeltas(STHJ, { replies: 1, on_time: 1, rated: 1, satisfied: 0, a: 0, b: 1, c: 0 }),
    ...unitDeltas(YJJ, { replies: 1, on_time: 1, rated: 1, satisfied: 1, a: 1, b: 0, c: 0 }),
  ]) {
    got[`${key} ${col}`] = num(all, 'units', key, col);
    want[`${key} ${col}`] = num(b, 'units', key, col) + d;
  }
  expect(got).toEqual(want);
  // This session is the story's own: its row holds exactly the two proposals.
  expect(all.sessions[SESSION]).toEqual({ name: SESSION, submitted: '2', registered: '2', registration_rate: '100.0%',
    replies: '2', on_time_rate: '100.0%', rated: '2', satisfied: '1', a: '1', b: '1', c: '0', overdue: '0' });
  await expectDrawn(page, 'units');
  await expectDrawn(page, 'sessions');

  await choose(page, 'session', SESSION);
  await expect(page).toHaveURL(/session=/);
  await expect(page.getByTestId('total-submitted')).toContainText('2');
  await expect(page.getByTestId('total-satisfaction_rate')).toContainText('50.0%');
  await expect(page.getByTestId('total-overdue')).toContainText('0');
  const one = await statisticsTables(page);
  expect(Object.keys(one.sessions)).toEqual([SESSION]);
  expect(Object.keys(one.units).sort()).toEqual([STHJ, YJJ].sort());
  await screenshots(page, 'proposal-statistics');

  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-statistics').click()]);
  expect(file.suggestedFilename()).toMatch(/建议提案办理统计\.xlsx$/);
  const bytes = fs.readFileSync(await file.path());
  expect(bytes.subarray(0, 2).toString()).toBe('PK');

  const after = await figures(page);
  expectDeltas(after, before['wu.tian'], PROPOSALS);
  expect(after.state).toEqual({ cards: 'denied', ranking: 'denied', adoption: 'denied', trend: 'denied', satisfaction: 'ready', classes: 'ready' });
  await expectDrawn(page, 'satisfaction');
  await expectDrawn(page, 'classes');
});

test('another county\'s leader sees none of 石峰区\'s figures', async ({ page }) => {
  await signIn(page, 'yang.shuji', '杨书记');
  const after = await figures(page);
  for (const table of SECTIONS) {
    expect(Object.keys(after[table]).filter((k) => k.startsWith('430204/'))).toEqual([]);
  }
  expectDeltas(after, before['yang.shuji'], [
    ['adoption', LUSONG, 'province', 1], ['adoption', LUSONG, 'total', 1], ['ranking', LUSONG, 'points', points.province],
  ]);
  await page.goto('/proposals/statistics');
  const stats = await statisticsTables(page);
  expect(Object.keys(stats.units).filter((k) => k.startsWith('430204/'))).toEqual([]);
  expect(stats.sessions[SESSION]).toBeUndefined();
});

test('a list longer than the cap is summed up to the cap, and the page says so', async ({ page }) => {
  await signIn(page, 'zhao.ducha', '赵督查');
  // The supervision service answers as if it held far more tasks: full pages, always one more.
  const tokens = [];
  await page.route('**/api/zhongshu.supervision.v1.SupervisionService/ListTasks', async (route) => {
    const body = route.request().postDataJSON();
    tokens.push(body.page_token ?? '');
    const tasks = Array.from({ length: body.page_size }, (_, i) => ({
      id: `430204-t-many${tokens.length}-${i}`, item_id: '430204-s-many', lead_unit: '430204/qwb',
      state: 'TASK_STATE_ASSIGNED', due_date: addDays(today, 30), warnings: [], assign_time: new Date(now).toISOString(),
    }));
    await route.fulfill({ json: { tasks, next_page_token: `page-${tokens.length + 1}` } });
  });
  await page.goto(`/dashboard?year=${today.slice(0, 4)}`);
  const cards = page.getByTestId('section-cards');
  await expect(cards).toHaveAttribute('data-state', 'ready');
  await expect(cards.getByTestId('capped')).toContainText('只统计了前 2000 条');
  await expect(page.getByTestId('section-trend').getByTestId('capped')).toBeVisible();
  await expect(cards.locator('tr[data-key="430204/qwb"] td[data-col="open"]')).toHaveText('2000');
  expect(tokens).toEqual(['', 'page-2', 'page-3', 'page-4']);
  await expect(page.getByTestId('section-ranking').getByTestId('capped')).toHaveCount(0);
});
