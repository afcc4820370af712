// The 清水塘 story in the browser, each role through its own pages: a clerk's report is returned,
// corrected and adopted; 张书记 instructs 区水利局; 督查室 sees the item; 水利局 signs, reports
// progress and completion; 督查室 verifies and answers the leader, who sees the answer.
import fs from 'node:fs';
import { test, expect } from '@playwright/test';
import { signIn, screenshots, choose, field } from './helpers.mjs';

test.describe.configure({ mode: 'serial' });

const title = '清水塘街道老旧小区二次供水水质投诉';
let reportUrl = '';
let itemUrl = '';

test('信息员 writes and submits a report; a blank title is refused in Chinese', async ({ page }) => {
  await signIn(page, 'wang.xinxi', '王信息');
  await expect(page.getByRole('heading', { name: /我的待办/ })).toBeVisible();
  await page.getByRole('menuitem', { name: '信息报送' }).click();
  await page.getByTestId('new-report').click();
  await page.getByTestId('submit').click();
  await expect(page.getByText('请填写标题')).toBeVisible();
  await expect(page.getByText('请填写正文')).toBeVisible();
  await field(page, 'title').fill(title);
  await field(page, 'body').fill('11月22日起，清水塘街道3个老旧小区居民反映自来水发黄、有异味。');
  await page.getByText('问题建议').click();
  await screenshots(page, 'report-write');
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('report-state')).toHaveText('已报送');
  reportUrl = new URL(page.url()).pathname;
  expect(reportUrl).toMatch(/^\/reports\/430204-r-/);
});

test('信息科 returns it with a comment; the clerk corrects and resubmits it', async ({ page }) => {
  await signIn(page, 'li.bianji', '李编辑');
  await page.getByTestId('todo-review').getByText(title).click();
  await page.getByTestId('return').click();
  await field(page, 'comment').fill('请补充涉及户数和供水单位的处置情况');
  await page.getByTestId('confirm-return').click();
  await expect(page.getByTestId('report-state')).toHaveText('退回修改');

  await signIn(page, 'wang.xinxi', '王信息');
  await page.getByTestId('todo-returned').getByText(title).click();
  await expect(page.getByTestId('return-comment')).toContainText('请补充涉及户数');
  await page.getByTestId('edit').click();
  await field(page, 'body').fill('11月22日起，清水塘街道3个老旧小区约420户居民反映自来水发黄、有异味；供水公司已开始排查。');
  await page.getByTestId('save-edit').click();
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('report-state')).toHaveText('已报送');
});

test('信息科 adopts it; 张书记 instructs 区水利局, a missing unit shown as a clear message', async ({ page }) => {
  await signIn(page, 'li.bianji', '李编辑');
  await page.goto(reportUrl);
  await page.getByTestId('adopt').click();
  await page.getByTestId('confirm-adopt').click();
  await expect(page.getByTestId('report-state')).toHaveText('采用');

  await signIn(page, 'zhang.shuji', '张书记');
  await page.getByTestId('todo-instruct').getByText(title).click();
  await page.getByTestId('instruct').click();
  await field(page, 'instruction-text').fill('请区水利局牵头，会同供水公司立即核查水质，两周内报结果。');
  await field(page, 'instruction-due').fill('2026-12-31');
  await field(page, 'instruction-due').press('Enter');
  await page.getByTestId('confirm-instruct').click();
  await expect(page.getByTestId('error')).toContainText('输入有误：交办单位');
  await choose(page, 'instruction-units', '区水利局');
  await page.keyboard.press('Escape');
  await page.getByTestId('confirm-instruct').click();
  await expect(page.getByTestId('instruction')).toContainText('请区水利局牵头');
  await expect(page.getByTestId('instruction')).toContainText('区水利局');
  // Supervision opens the item; the report links to it once reporting hears of it.
  await expect(async () => {
    await page.reload();
    await expect(page.getByText('查看督办事项')).toBeVisible({ timeout: 1000 });
  }).toPass();
  await page.getByText('查看督办事项').click();
  await page.waitForURL(/\/supervision\/items\//);
  await expect(page.getByTestId('item-title')).toContainText(title);
  itemUrl = new URL(page.url()).pathname;
});

test('督查室 sees the item on the board; 水利局 signs, reports progress and completion', async ({ page }) => {
  await signIn(page, 'zhao.ducha', '赵督查');
  await page.getByRole('menuitem', { name: '督查督办' }).click();
  await expect(page.getByTestId('items')).toContainText('张书记');
  await screenshots(page, 'supervision-board');
  // The 督查台账 as an Excel file.
  const [ledger] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-ledger').click()]);
  expect(ledger.suggestedFilename()).toMatch(/督查台账\.xlsx$/);
  const bytes = fs.readFileSync(await ledger.path());
  expect(bytes.subarray(0, 2).toString()).toBe('PK');

  await signIn(page, 'chen.shuili', '陈水利');
  await page.getByTestId('todo-sign').locator('a').first().click();
  await expect(page).toHaveURL(new RegExp(itemUrl));
  await page.getByTestId('accept').click();
  await expect(page.getByTestId('task-state').first()).toHaveText('签收');
  await page.getByTestId('progress').click();
  await field(page, 'dialog-text').fill('已会同供水公司完成3个小区水箱清洗，水样送检。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByText('已会同供水公司完成3个小区水箱清洗')).toBeVisible();
  await page.getByTestId('complete').click();
  await field(page, 'dialog-text').fill('水样检测合格，已向居民公示结果，建立二次供水定期清洗制度。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('task-state').first()).toHaveText('办结报告');
  await page.reload();
  await expect(page.getByTestId('task-state').first()).toHaveText('办结报告');
  await screenshots(page, 'item');
});

test('督查室 verifies and answers the leader; 张书记 sees the answer', async ({ page }) => {
  await signIn(page, 'zhao.ducha', '赵督查');
  await page.getByTestId('todo-verify').locator('a').first().click();
  await page.getByTestId('verify').click();
  await expect(page.getByTestId('task-state').first()).toHaveText('核查销号');
  await page.getByTestId('close-item').click();
  await field(page, 'dialog-text').fill('区水利局已完成水质核查，3个小区水质检测合格，已建立定期清洗制度。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('feedback')).toContainText('水质检测合格');

  await signIn(page, 'zhang.shuji', '张书记');
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('todo-answered')).toContainText('请区水利局牵头', { timeout: 1000 });
  }).toPass();
  await screenshots(page, 'todo-leader');
  await page.goto(reportUrl);
  await expect(page.getByTestId('instruction')).toContainText('已回音');
  await expect(page.getByTestId('instruction')).toContainText('水质检测合格');
});
