// The reporting pages beyond the report itself, each role through its own pages: 李编辑 calls on
// 清水塘街道 for information (约稿); 王信息 finds it on 我的待办 and answers it; the editor adopts the
// answer, compiles it into a 信息专报 and publishes it as a PDF; 王信息 reports an emergency and
// follows it up, shown as a timeline; the rankings with a unit's entries and the Excel export; and
// what another county's clerk-editor and a unit not asked must not see.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { test, expect as baseExpect } from '@playwright/test';
import { signIn, screenshots, choose, field } from './helpers.mjs';

// Generous: other suites share this machine's two cores while these run.
test.describe.configure({ mode: 'serial', timeout: 180_000 });
const expect = baseExpect.configure({ timeout: 30_000 });

// A Beijing date `days` from today, "YYYY-MM-DD".
const day = (days) => new Date(Date.now() + days * 86_400_000)
  .toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' }).slice(0, 10);

const topic = '今冬明春供水保障情况';
const answerBody = '清水塘街道已排查辖区12个小区二次供水设施，3处水箱完成清洗消毒，储备应急送水车2台。';
const event = '清水塘街道某化工厂旧址围墙倒塌';
let callUrl = '';
let answerTitle = '';
let bulletinUrl = '';
let chainUrl = '';

const tab = (page, name) => page.getByRole('tab', { name, exact: true });
// A table has finished loading (its v-loading mask is gone).
const loaded = (page, testId) => expect(page.locator(`[data-test=${testId}] .el-loading-mask`)).toBeHidden();

test('信息科 calls on 清水塘街道 for information; missing fields are named in Chinese', async ({ page }) => {
  await signIn(page, 'li.bianji', '李编辑');
  await page.getByRole('menuitem', { name: '信息报送' }).click();
  await tab(page, '约稿').click();
  await expect(page).toHaveURL(/\/reports\/calls$/);
  await page.getByTestId('new-call').click();
  await page.getByTestId('confirm-call').click();
  await expect(page.getByText('请填写约稿主题')).toBeVisible();
  await expect(page.getByText('请选择约稿单位')).toBeVisible();
  await expect(page.getByText('请选择截止日期')).toBeVisible();
  await field(page, 'call-topic').fill(topic);
  await field(page, 'call-description').fill('请报送供水设施排查、应急保障措施和存在的困难。');
  await choose(page, 'call-units', '清水塘街道');
  await page.keyboard.press('Escape');
  await field(page, 'call-due').fill(day(7));
  await field(page, 'call-due').press('Enter');
  await page.getByTestId('confirm-call').click();
  await expect(page.getByTestId('call-heading')).toHaveText(`约稿：${topic}`);
  await expect(page.getByTestId('call-units')).toContainText('清水塘街道');
  await expect(page.getByTestId('call-units')).toContainText('未答复');
  callUrl = new URL(page.url()).pathname;
  expect(callUrl).toMatch(/^\/reports\/calls\/430204-c-/);
  await tab(page, '约稿').click();
  await page.reload(); // no toast in the pictures
  await expect(page.getByTestId('calls')).toContainText(topic);
  await screenshots(page, 'calls');
});

test('王信息 finds the call on 我的待办 and answers it with a report', async ({ page }) => {
  await signIn(page, 'wang.xinxi', '王信息');
  await expect(page.getByTestId('todo-calls')).toContainText(`截止 ${day(7)}`);
  await screenshots(page, 'todo-clerk');
  await page.getByTestId('todo-calls').getByText(topic).click();
  await expect(page).toHaveURL(new RegExp(`${callUrl}$`));
  await page.getByTestId('answer').click();
  await expect(page.getByTestId('answering')).toContainText(topic);
  answerTitle = `清水塘街道${topic}`;
  await field(page, 'title').fill(answerTitle);
  await field(page, 'body').fill(answerBody);
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('report-state')).toHaveText('已报送');
  await page.getByTestId('call-link').click();
  await expect(page.getByTestId('call-units')).toContainText('已答复');
  await expect(page.getByTestId('answer')).toHaveCount(0);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: /我的待办/ })).toBeVisible();
  await expect(page.locator('.el-loading-mask')).toBeHidden();
  await expect(page.locator('[data-test=todo-calls]').filter({ hasText: topic })).toHaveCount(0);
});

test('信息科 adopts the answer, compiles a 信息专报 with it, publishes it and downloads the PDF', async ({ page }) => {
  await signIn(page, 'li.bianji', '李编辑');
  await page.goto(callUrl);
  await expect(page.getByTestId('call-units')).toContainText('已答复');
  await screenshots(page, 'call');
  await page.getByTestId('call-answer').click();
  await expect(page.getByTestId('report-title')).toHaveText(answerTitle);
  await page.getByTestId('adopt').click();
  await page.getByTestId('confirm-adopt').click();
  await expect(page.getByTestId('report-state')).toHaveText('采用');

  await tab(page, '期刊').click();
  await page.getByTestId('new-bulletin').click();
  await page.getByTestId('bulletin-kind').getByText('信息专报').click();
  await page.getByTestId('confirm-bulletin').click();
  await expect(page.getByTestId('bulletin-state')).toHaveText('草稿');
  bulletinUrl = new URL(page.url()).pathname;
  expect(bulletinUrl).toMatch(/^\/reports\/bulletins\/430204-b-/);
  // The issue in preparation is on the editor's 我的待办.
  await page.goto('/');
  await page.getByTestId('todo-bulletins').getByText('信息专报（编辑中）').first().click();
  await expect(page.getByTestId('bulletin-title')).toHaveText('信息专报（编辑中）');
  await page.goto(bulletinUrl);
  await page.getByTestId('add-item').click();
  await choose(page, 'item-report', answerTitle);
  await expect(field(page, 'item-title')).toHaveValue(answerTitle);
  await page.getByTestId('confirm-item').click();
  await expect(page.getByTestId('bulletin-item')).toContainText(answerTitle);
  await expect(page.getByTestId('bulletin-item')).toContainText('清水塘街道');
  await page.getByTestId('publish').click();
  await page.locator('.el-message-box').getByRole('button', { name: '印发' }).click();
  await expect(page.getByTestId('bulletin-state')).toHaveText('已印发');
  await expect(page.getByTestId('bulletin-title')).toHaveText(/^信息专报 \d{4}年第\d+期$/);
  await page.reload();
  await expect(page.getByTestId('bulletin-item')).toContainText(answerTitle);
  await screenshots(page, 'bulletin');

  const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bulletin-pdf').click()]);
  expect(pdf.suggestedFilename()).toMatch(/^信息专报\d{4}年第\d+期\.pdf$/);
  const file = await pdf.path();
  expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
  const text = execFileSync('pdftotext', [file, '-']).toString().replace(/\s/g, '');
  expect(text).toContain(answerTitle);
  expect(text).toContain('二次供水设施');
  // 打印 opens the PDF in a tab of its own, for the browser's viewer to print.
  const [viewer] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('bulletin-print').click()]);
  await viewer.waitForURL(/^blob:/);
  await viewer.close();
});

test('王信息 reports an emergency (a time in the future named in Chinese) and follows it up; the chain is a timeline', async ({ page }) => {
  await signIn(page, 'wang.xinxi', '王信息');
  await page.getByRole('menuitem', { name: '信息报送' }).click();
  await tab(page, '紧急信息').click();
  await page.getByTestId('new-emergency').click();
  await field(page, 'title').fill(event);
  await page.getByTestId('grade').getByText('较大').click();
  await field(page, 'occurred-at').fill(`${day(2)} 09:30`);
  await field(page, 'occurred-at').press('Enter');
  await field(page, 'place').fill('清水塘街道霞湾路');
  await field(page, 'body').fill('围墙倒塌约30米，压埋路边车辆2台，现场已拉警戒线，暂无人员伤亡报告。');
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('error')).toContainText('输入有误：发生时间');

  await field(page, 'occurred-at').fill(`${day(-1)} 09:30`);
  await field(page, 'occurred-at').press('Enter');
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('chain-title')).toHaveText(event);
  chainUrl = new URL(page.url()).pathname;
  expect(chainUrl).toMatch(/^\/reports\/emergencies\/430204-r-/);
  await expect(page.getByTestId('chain-report')).toHaveCount(1);
  await expect(page.getByTestId('phase')).toHaveText('初报');
  // Learned of yesterday, reported today: past the 较大 grade's written limit of an hour.
  await expect(page.getByTestId('late')).toHaveText('迟报');
  await expect(page.getByTestId('written-due')).toContainText('获知后1小时');
  await expect(page.getByTestId('follow-up-due')).toContainText('续报期限');

  await page.getByTestId('follow-up').click();
  await expect(field(page, 'title')).toHaveValue(event);
  await field(page, 'injured').fill('2');
  await field(page, 'injured').press('Tab');
  await field(page, 'body').fill('经清理，发现2名路过群众轻伤，已送医治疗；围墙其余部分已加固。');
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('chain-report')).toHaveCount(2);
  await expect(page.getByTestId('phase')).toHaveText(['初报', '续报（第1次）']);
  await expect(page.getByTestId('chain-report').nth(1)).toContainText('受伤 2 人');
  await expect(page.getByTestId('chain-state')).toHaveText('续报中');

  // The report page links to its chain; the list of emergencies holds it.
  await page.getByTestId('chain-report').first().getByRole('link', { name: event }).click();
  await expect(page.getByTestId('emergency')).toContainText('较大');
  await page.getByTestId('chain-link').click();
  await expect(page).toHaveURL(new RegExp(`${chainUrl}$`));
  await tab(page, '紧急信息').click();
  await expect(page.getByTestId('emergencies')).toContainText(event);
  await expect(page.getByTestId('emergencies')).toContainText('续报（第1次）');
  await screenshots(page, 'emergencies');
});

test('a leader sees the chain with the duty office alerted', async ({ page }) => {
  await signIn(page, 'zhang.shuji', '张书记');
  await page.goto(chainUrl);
  await expect(page.getByTestId('chain-report')).toHaveCount(2);
  // Coordination opens an incident once it hears of the report.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('chain-step-alerted')).toContainText('提醒', { timeout: 1000 });
  }).toPass();
  await expect(page.getByTestId('incident')).toContainText('处置中');
  await screenshots(page, 'emergency-chain');
});

test('the rankings show the units\' points, a unit\'s entries, and export as Excel', async ({ page }) => {
  await signIn(page, 'li.bianji', '李编辑');
  await page.goto('/reports');
  await tab(page, '排名').click();
  await loaded(page, 'rankings');
  const row = page.getByTestId('rankings').locator('tr').filter({ hasText: '清水塘街道' });
  await expect(row).toHaveCount(1);
  await row.click();
  await expect(page.getByTestId('score-entries')).toContainText('采用');
  await expect(page.getByTestId('score-entries')).toContainText('信息专报');
  await screenshots(page, 'rankings');
  await page.keyboard.press('Escape');

  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-rankings').click()]);
  expect(xlsx.suggestedFilename()).toMatch(/信息工作排名\d{4}\.xlsx$/);
  expect(fs.readFileSync(await xlsx.path()).subarray(0, 2).toString()).toBe('PK');
});

test('what each role must not see', async ({ page }) => {
  // Another county's clerk and editor: neither the call nor the bulletin of 430204.
  await signIn(page, 'ma.xinxi', '马信息');
  await page.goto('/reports/calls');
  await loaded(page, 'calls');
  await expect(page.getByTestId('calls')).not.toContainText(topic);
  await page.goto(callUrl);
  await expect(page.getByTestId('error')).toContainText('未找到，或无权查看');
  await page.goto('/reports/bulletins');
  await loaded(page, 'bulletins');
  await expect(page.getByTestId('bulletins')).not.toContainText(answerTitle);
  await page.goto(bulletinUrl);
  await expect(page.getByTestId('error')).toContainText('未找到，或无权查看');
  await expect(page.getByText(answerTitle)).toHaveCount(0);
  await page.goto(chainUrl);
  await expect(page.getByTestId('error')).toContainText('未找到，或无权查看');

  // A unit not asked does not see the call; a clerk compiles no bulletin and reads only its own
  // unit's points.
  await signIn(page, 'chen.shuili', '陈水利');
  await page.goto('/reports/calls');
  await loaded(page, 'calls');
  await expect(page.getByTestId('calls')).not.toContainText(topic);
  await signIn(page, 'wang.xinxi', '王信息');
  await page.goto('/reports/bulletins');
  await loaded(page, 'bulletins');
  await expect(page.getByTestId('bulletins')).toContainText(answerTitle);
  await expect(page.getByTestId('new-bulletin')).toHaveCount(0);
  await page.goto('/reports/rankings');
  await loaded(page, 'rankings');
  await page.getByTestId('rankings').locator('tr').filter({ hasText: '区发展和改革局' }).click();
  await expect(page.getByTestId('entries-error')).toContainText('没有权限进行此操作');
});
