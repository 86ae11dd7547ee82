// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core
// (never a downloaded browser), with the flags this offline machine needs.
import * as fs from 'fs';
import type { Browser, LaunchOptions } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** Launches Debian's Chromium through playwright-core. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (bash scripts/setup.sh) to run the browser tests.`);
  }
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const options: LaunchOptions = { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true };
  return chromium.launch(options);
}
