// Renders an Aspire dashboard page in Debian's chromium through playwright-core and prints {"text": …} or {"error": …}.
// Usage: node dashboard-screenshot.mjs <login url> <page url> <text to wait for> <screenshot path>
import { chromium } from 'playwright-core';

const [loginUrl, pageUrl, waitFor, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(loginUrl, { waitUntil: 'load', timeout: 60000 });
  await page.goto(pageUrl, { waitUntil: 'load', timeout: 60000 });
  try {
    await page.getByText(waitFor, { exact: false }).first().waitFor({ timeout: 45000 });
  } catch { /* the screenshot and the text still show what the page had */ }
  await page.waitForTimeout(1500);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ text: await page.evaluate(() => document.body.innerText) }));
} catch (error) {
  console.log(JSON.stringify({ error: String(error) }));
} finally {
  await browser.close();
}
