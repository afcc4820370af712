// A CPPCC proposal through the browser: a member submits it, the proposal office registers and
// assigns it to 区水利局, the unit signs, contacts the member and replies; the member is not
// satisfied (a missing comment is refused in Chinese), the unit handles it again, the member is
// satisfied and it closes; the reply is then readable on the public page without signing in.
import { execFileSync } from 'node:child_process';
import { test, expect } from '@playwright/test';
import { signIn, screenshots, choose, field } from './helpers.mjs';

test.describe.configure({ mode: 'serial' });

const title = '关于加快老旧小区二次供水设施改造的提案';
let url = '';

test('委员 submits a proposal; the proposal office registers and assigns it', async ({ page }) => {
  await signIn(page, 'zheng.weiyuan', '郑委员');
  await page.getByRole('menuitem', { name: '建议提案' }).click();
  await page.getByTestId('new-proposal').click();
  await field(page, 'session').fill('十届三次');
  await field(page, 'title').fill(title);
  await field(page, 'category').fill('城乡建设');
  await field(page, 'content').fill('清水塘片区老旧小区二次供水设施老化，建议统一改造并建立定期清洗制度。');
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('proposal-state')).toHaveText('待审查');
  url = new URL(page.url()).pathname;

  await signIn(page, 'wu.tian', '吴提案');
  await page.getByTestId('todo-review-proposals').getByText(title).click();
  await page.getByTestId('register').click();
  await expect(page.getByTestId('proposal-state')).toHaveText('立案');
  await page.getByTestId('assign').click();
  await choose(page, 'assign-unit', '区水利局');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('proposal-state')).toHaveText('办理中');
});

test('区水利局 signs, contacts the member and replies', async ({ page }) => {
  await signIn(page, 'chen.shuili', '陈水利');
  await page.getByTestId('todo-sign-proposals').getByText(title).click();
  await page.getByTestId('sign').click();
  await expect(page.getByTestId('handling-state')).toHaveText('已签收');
  await page.getByTestId('contact').click();
  await field(page, 'dialog-text').fill('走访郑委员，听取改造范围和时序的意见。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByText('走访郑委员')).toBeVisible();
  await page.getByTestId('reply-button').click();
  await page.getByText('B类：正在解决或列入计划').click();
  await field(page, 'dialog-text').fill('已将12个小区二次供水设施改造列入明年计划。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('reply')).toContainText('已将12个小区');
});

test('委员 is not satisfied; the unit handles it again; then satisfied, it closes', async ({ page }) => {
  await signIn(page, 'zheng.weiyuan', '郑委员');
  await page.getByTestId('todo-rate-proposals').getByText(title).click();
  await page.getByTestId('rate').click();
  await page.getByTestId('satisfaction').getByText('不满意').click();
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('error')).toContainText('输入有误');
  await field(page, 'dialog-text').fill('改造时间太晚，今年汛期前应先完成水箱清洗。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('rating')).toContainText('不满意');
  await expect(page.getByTestId('proposal-state')).toHaveText('办理中');

  await signIn(page, 'chen.shuili', '陈水利');
  await page.goto(url);
  await page.getByTestId('contact').click();
  await field(page, 'dialog-text').fill('电话联系郑委员，商定先行清洗水箱。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByText('电话联系郑委员')).toBeVisible();
  await page.getByTestId('reply-button').click();
  await field(page, 'dialog-text').fill('已完成12个小区水箱清洗，改造于明年汛期前完工。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('reply')).toContainText('已完成12个小区水箱清洗');

  await signIn(page, 'zheng.weiyuan', '郑委员');
  await page.goto(url);
  await page.getByTestId('rate').click();
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('proposal-state')).toHaveText('办结');
  await expect(page.getByTestId('rating').last()).toContainText('满意');
  await screenshots(page, 'proposal');
  // The reply as an official letter (答复函): a PDF with the unit's words.
  const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('reply-pdf').click()]);
  expect(pdf.suggestedFilename()).toMatch(/十届三次第\d+号答复\.pdf$/);
  const text = execFileSync('pdftotext', [await pdf.path(), '-']).toString().replace(/\s/g, '');
  expect(text).toContain('已完成12个小区水箱清洗');
  expect(text).toContain('郑委员委员：');
});

test('the reply is public: readable without signing in', async ({ page }) => {
  await page.goto('/public/replies?tenant=430204');
  await expect(page.getByTestId('public-reply').filter({ hasText: title })).toContainText('已完成12个小区水箱清洗');
  await expect(page.getByTestId('who')).toHaveCount(0);
  await screenshots(page, 'public-replies');
});
