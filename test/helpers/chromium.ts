import { access, constants } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Debian's chromium (.ci/run installs it); PAIREC_CHROMIUM names another binary. */
export const CHROMIUM = process.env.PAIREC_CHROMIUM ?? '/usr/bin/chromium';

export async function haveChromium(): Promise<boolean> {
  return access(CHROMIUM, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Headless Chromium through playwright-core (which gives it a fresh temporary profile).
 * The flags keep it off the network it would reach by itself (updates, sync, field
 * trials): on a closed network those connections are refused, many at a time, at every start.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
