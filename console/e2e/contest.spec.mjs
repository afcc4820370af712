// A contested task resolved through the pages: 区水利局 says a task is not its job (推诿); the
// coordination office opens a matter; 水利局 states its position; 黄主任 decides that 区住建局 leads;
// supervision gives the task to 住建局, which finds it on its 我的待办.
import { test, expect } from '@playwright/test';
import { signIn, screenshots, choose, field, api } from './helpers.mjs';

test.describe.configure({ mode: 'serial' });

const title = '二次供水设施日常监管职责落实';
let itemId = '';

test('set-up: 督查室 opens an item with a task for 区水利局', async ({ request }) => {
  const item = await api(request, 'zhao.ducha', 'zhongshu.supervision.v1.SupervisionService/CreateItem', {
    request_id: crypto.randomUUID(),
    item: { title, source_type: 'SOURCE_TYPE_OTHER', requirement: '明确二次供水设施日常监管责任单位并落实巡查。', deadline: '2026-12-31' },
  });
  itemId = item.id;
  await api(request, 'zhao.ducha', 'zhongshu.supervision.v1.SupervisionService/AssignTask', {
    request_id: crypto.randomUUID(),
    task: { item_id: itemId, lead_unit: '430204/slj', deliverable: '建立二次供水设施巡查台账', due_date: '2026-12-31' },
  });
});

test('区水利局 contests the task with a reason', async ({ page }) => {
  await signIn(page, 'chen.shuili', '陈水利');
  await page.goto(`/supervision/items/${itemId}`);
  await page.getByTestId('contest').click();
  await field(page, 'dialog-text').fill('二次供水设施由住建部门监管，不属于水利局职责。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('task-state')).toHaveText('有异议');
});

test('the office director resolves the matter: 区住建局 leads', async ({ page }) => {
  await signIn(page, 'huang.zhuren', '黄主任');
  // Coordination opens the matter from supervision's event.
  await expect(async () => {
    await page.goto('/');
    await expect(page.getByTestId('todo-matters')).toContainText(title, { timeout: 1000 });
  }).toPass();
  await page.getByTestId('todo-matters').getByText(title).click();
  await expect(page.getByTestId('matter-state')).toHaveText('待协调');

  await signIn(page, 'chen.shuili', '陈水利');
  await page.getByTestId('todo-positions').getByText(title).click();
  await page.getByTestId('state-position').click();
  await field(page, 'dialog-text').fill('水利局负责水源和供水主管网，二次供水设施属住建部门监管。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('party-430204/slj')).toContainText('二次供水设施属住建部门监管');
  const matterUrl = new URL(page.url()).pathname;

  await signIn(page, 'huang.zhuren', '黄主任');
  await page.goto(matterUrl);
  await page.getByTestId('resolve').click();
  await field(page, 'dialog-text').fill('二次供水设施日常监管由区住建局牵头，区水利局配合。');
  await field(page, 'reasons').fill('依据《城市供水条例》和部门职责分工。');
  await choose(page, 'lead-unit', '区住房和城乡建设局');
  await choose(page, 'co-units', '区水利局');
  await page.keyboard.press('Escape');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('matter-state')).toHaveText('已协调');
  await expect(page.getByTestId('decision')).toContainText('区住建局牵头');
  await screenshots(page, 'matter');
});

test('区住建局 finds the task to sign; 水利局 no longer holds it', async ({ page }) => {
  await signIn(page, 'wei.zhujian', '魏住建');
  await expect(async () => {
    await page.goto('/');
    await expect(page.getByTestId('todo-sign')).toContainText('建立二次供水设施巡查台账', { timeout: 1000 });
  }).toPass();
  await page.getByTestId('todo-sign').getByText('建立二次供水设施巡查台账').click();
  await page.getByTestId('accept').click();
  await expect(page.getByTestId('task-state')).toHaveText('签收');
  await expect(page.locator('.task')).toContainText('区住房和城乡建设局');

  await signIn(page, 'chen.shuili', '陈水利');
  await page.goto(`/supervision/items/${itemId}`);
  await expect(page.getByTestId('task-state')).toHaveText('签收');
  await expect(page.getByTestId('contest')).toHaveCount(0);
  await expect(page.getByTestId('progress')).toHaveCount(0);
});
