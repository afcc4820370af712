// What each role must not see: negative information (负面信息) stays with its author, editors and
// leaders; another county's office sees none of this county's reports; the page says so in Chinese.
import { test, expect } from '@playwright/test';
import { signIn, screenshots, field } from './helpers.mjs';

test.describe.configure({ mode: 'serial' });

const title = '某小区业主聚集反映物业问题苗头';
let url = '';

test('a clerk reports negative information', async ({ page }) => {
  await signIn(page, 'wang.xinxi', '王信息');
  await page.goto('/reports/new');
  await field(page, 'title').fill(title);
  await field(page, 'body').fill('约30名业主拟于周末聚集，反映物业费上涨问题。');
  await page.getByText('社情民意').click();
  await page.getByText('负面').click();
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('report-state')).toHaveText('已报送');
  url = new URL(page.url()).pathname;
});

test('the editor and a leader see it', async ({ page }) => {
  for (const [user, name] of [['li.bianji', '李编辑'], ['zhang.shuji', '张书记']]) {
    await signIn(page, user, name);
    await page.goto(url);
    await expect(page.getByTestId('report-title')).toHaveText(title);
  }
  await page.goto('/reports');
  await expect(page.getByTestId('reports')).toContainText(title);
  await screenshots(page, 'reports');
});

for (const [user, name, who] of [['chen.shuili', '陈水利', 'a unit handler'],
  ['ma.xinxi', '马信息', "another county's clerk"]]) {
  test(`${who} does not`, async ({ page }) => {
    await signIn(page, user, name);
    await page.goto('/reports');
    await expect(page.getByTestId('reports')).toBeVisible();
    await expect(page.locator('[data-test=reports] .el-loading-mask')).toBeHidden();
    await expect(page.getByTestId('reports')).not.toContainText(title);
    await page.goto(url);
    await expect(page.getByTestId('error')).toContainText('未找到，或无权查看');
    await expect(page.getByText(title)).toHaveCount(0);
  });
}

test('the sign-in page lists the demo users by name, unit and role', async ({ page }) => {
  await page.goto('/signin');
  await page.getByTestId('user-select').click();
  await expect(page.locator('.el-select-dropdown__item').filter({ hasText: '陈水利（区水利局，承办单位）' })).toBeVisible();
  await page.keyboard.press('Escape');
  await screenshots(page, 'signin');
});
