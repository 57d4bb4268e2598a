// Renders docs/screenshot.png: the therapist's caseload at phone and desktop width, side by side.
// Usage: RAPPORT_BIN=build/release/rapport RAPPORT_WEB=web/dist node tests/browser/screenshot.mjs
import { writeFileSync } from 'node:fs';
import { kDemo, launchBrowser, newPage, signIn, startServer } from './harness.mjs';

const out = process.argv[2] ?? new URL('../../docs/screenshot.png', import.meta.url).pathname;
const server = await startServer();
const browser = await launchBrowser();
try {
  async function shot(width, height, scale) {
    const context = await browser.newContext({ baseURL: server.baseUrl, viewport: { width, height }, deviceScaleFactor: scale });
    const page = await context.newPage();
    await signIn(page, kDemo.therapist);
    await page.getByRole('region', { name: 'Clients' }).getByRole('listitem').first().waitFor();
    await page.locator('.loading').waitFor({ state: 'detached' });
    const png = await page.screenshot({ type: 'png' });
    await context.close();
    return png.toString('base64');
  }
  const desktop = await shot(1280, 720, 1);
  const phone = await shot(360, 740, 1);
  const frame = await newPage(browser, server.baseUrl, 1760, 820);
  await frame.setContent(`<!doctype html><html lang="en"><body style="margin:0;background:#e9e3da;display:flex;gap:48px;align-items:center;justify-content:center;height:820px;font-family:system-ui">
    <img alt="" src="data:image/png;base64,${desktop}" style="width:1280px;border-radius:12px;box-shadow:0 12px 40px rgb(0 0 0/18%)">
    <img alt="" src="data:image/png;base64,${phone}" style="width:360px;border-radius:28px;border:10px solid #1e2a2d;box-shadow:0 12px 40px rgb(0 0 0/25%)">
  </body></html>`);
  writeFileSync(out, await frame.screenshot({ type: 'png' }));
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
