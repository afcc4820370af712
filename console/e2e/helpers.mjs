// What the browser stories share: signing in as a demo user through the sign-in page, the
// screenshots the README links, and a few Element Plus controls.
import { expect } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// test-results/screenshots, or ZS_E2E_SCREENSHOTS_DIR (docs/console refreshes the README's copies).
const here = path.dirname(fileURLToPath(import.meta.url));
const shots = process.env.ZS_E2E_SCREENSHOTS_DIR
  ? path.resolve(process.env.ZS_E2E_SCREENSHOTS_DIR)
  : path.resolve(here, '../test-results/screenshots');

// Signs in as `user` on the sign-in page: the user is picked from the list (by name), then 登录.
export async function signIn(page, user, name) {
  await page.goto('/signin');
  // The list fills in once the users have loaded; a pick made while it re-renders can miss, so
  // the pick is repeated until the sign-in button is enabled.
  await expect(async () => {
    if (await page.getByTestId('signin').isEnabled()) return;
    await page.keyboard.press('Escape');
    await page.getByTestId('user-select').click();
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: `${name}（` }).first()
      .click({ timeout: 5_000 });
    await expect(page.getByTestId('signin')).toBeEnabled({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await page.getByTestId('signin').click();
  await expect(page.getByTestId('who')).toContainText(name);
  void user;
}

// A screenshot of the page as it is, at the laptop size and at a phone's, for the README.
export async function screenshots(page, name) {
  const size = page.viewportSize();
  await page.screenshot({ path: `${shots}/${name}-laptop.png`, fullPage: false });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/${name}-phone.png`, fullPage: false });
  await page.setViewportSize(size);
}

// Picks `option` in the Element Plus select with test id `testId`.
export async function choose(page, testId, option) {
  // The list of a select chosen just before must have closed: its options look alike.
  const open = page.locator('.el-select__popper:visible');
  await expect(open).toHaveCount(0);
  await page.getByTestId(testId).click();
  const item = open.locator('.el-select-dropdown__item').filter({ hasText: option }).first();
  await item.click();
  if (await open.locator('.el-select-dropdown.is-multiple').count()) return; // stays open for more
  // A click landing while the list still opens can miss: pick again until the list has closed.
  await expect(async () => {
    if (await open.count()) await item.click({ timeout: 2_000 });
    await expect(open).toHaveCount(0, { timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
}

// The text box of an Element Plus input, textarea or date picker with test id `testId` (the test id
// lands on the native element or on its wrapper, depending on the component).
export const field = (page, testId) => page
  .locator(['input', 'textarea'].flatMap((t) => [`${t}[data-test="${testId}"]`, `[data-test="${testId}"] ${t}`]).join(', '))
  .first();

// Calls an API method as `user` (for a test's set-up, not for what the test is about).
export async function api(request, user, method, body) {
  const signIn = await request.post('/auth/dev-sign-in', { data: { user } });
  const { token } = await signIn.json();
  const res = await request.post(`/api/${method}`, { data: body, headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok()) throw new Error(`${method} as ${user}: ${res.status()} ${await res.text()}`);
  return res.json();
}
