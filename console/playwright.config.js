// Browser tests of the console: Debian's Chromium (headless) against a private copy of the whole
// suite that e2e/global-setup.mjs starts once for the run (redis-server, the four services, the
// gateway serving dist/). One worker: the stories build on each other's data.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.mjs',
  globalSetup: './e2e/global-setup.mjs',
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: process.env.ZS_E2E_BASE_URL,
    testIdAttribute: 'data-test',
    actionTimeout: 10_000,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1366, height: 768 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.ZS_CHROMIUM ?? '/usr/bin/chromium',
      // A closed network: no background connections, no sandbox as root.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
