/**
 * Screenshots of each console page, against the embedded API with a seeded history, in
 * headless Chromium: `npm run console:screenshots` writes docs/console/*.png (shown in
 * README.md). Not part of the tests: run it when a page changes.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureConsoleBuilt } from '../test/support/console-build';
import { launchChromium, open, signIn, startConsoleWorld } from '../test/support/console-harness';
import type { TestRole } from '../test/support/api-harness';

const OUT = join(__dirname, '..', 'docs', 'console');

async function main(): Promise<void> {
  ensureConsoleBuilt();
  mkdirSync(OUT, { recursive: true });
  const [world, browser] = await Promise.all([startConsoleWorld(3000), launchChromium()]);
  try {
    const shots: { file: string; role: TestRole; route: string; width?: number }[] = [
      { file: 'pipeline.png', role: 'analyst', route: '#/pipeline' },
      { file: 'retention.png', role: 'analyst', route: '#/retention' },
      { file: 'churn-risk.png', role: 'analyst', route: '#/churn-risk' },
      { file: 'segments.png', role: 'analyst', route: '#/segments' },
      { file: 'client-analyst.png', role: 'analyst', route: `#/clients/${world.graceId}` },
      { file: 'client-auditor.png', role: 'auditor', route: `#/clients/${world.graceId}` },
      { file: 'audit.png', role: 'auditor', route: '#/audit' },
      { file: 'projections.png', role: 'admin', route: '#/projections' },
      { file: 'campaigns.png', role: 'admin', route: '#/campaigns' },
      { file: 'service.png', role: 'admin', route: '#/service' },
      { file: 'narrow-pipeline.png', role: 'sales', route: '#/pipeline', width: 390 },
    ];
    for (const shot of shots) {
      const context = await browser.newContext({
        viewport: { width: shot.width ?? 1280, height: 900 },
      });
      const page = await context.newPage();
      await signIn(page, world.baseUrl, shot.role, 'console screenshots');
      await open(page, shot.route);
      // Charts are drawn on the next animation frame.
      await page.evaluate(
        'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))',
      );
      await page.screenshot({ path: join(OUT, shot.file), fullPage: true });
      await context.close();
      process.stdout.write(`docs/console/${shot.file}\n`);
    }
    const signin = await browser.newPage({ viewport: { width: 1280, height: 600 } });
    await signin.goto(`${world.baseUrl}/console#/signin`);
    await signin.locator('main[data-ready="/signin"]').waitFor();
    await signin.screenshot({ path: join(OUT, 'signin.png') });
    process.stdout.write('docs/console/signin.png\n');
  } finally {
    await browser.close();
    await world.api.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
