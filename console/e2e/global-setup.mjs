// Starts the suite once for the whole browser run; the returned function stops it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack } from './stack.mjs';

const consoleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');

export default async function globalSetup() {
  if (!fs.existsSync(`${consoleDir}/index.html`)) {
    throw new Error(`the console is not built (${consoleDir}): run bash scripts/build-console.sh`);
  }
  // The binaries of ZS_E2E_BUILD_DIR (ctest passes its own build), else build/.
  const stack = await startStack({ buildDir: process.env.ZS_E2E_BUILD_DIR || undefined, consoleDir });
  process.env.ZS_E2E_BASE_URL = stack.baseURL;
  process.env.ZS_E2E_DATA_DIR = stack.dataDir;
  process.env.ZS_E2E_CLOCK_FILE = stack.clockFile;
  console.log(`suite for the browser tests at ${stack.baseURL} (data in ${stack.dataDir})`);
  return async () => {
    await stack.stop();
  };
}
