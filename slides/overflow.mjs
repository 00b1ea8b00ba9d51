// Which slides overflow: the deck's HTML (Marp's output) opened in Chromium, and on every slide each
// element's box compared with the slide's content area (inside its padding; the footer and the page
// number live in the padding). One line per slide that overflows; exit code 1 when any does.
//   node overflow.mjs talk.html /usr/bin/chromium
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const [html, chromium] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  // as root Chromium needs --no-sandbox; the others keep it off a network it cannot reach
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 720 });
await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
const found = await page.evaluate(() => {
  const slides = [...document.querySelectorAll('section[data-marpit-pagination], section')];
  const unique = [...new Set(slides)].filter((s) => !s.parentElement.closest('section'));
  return unique.map((section, index) => {
    const box = section.getBoundingClientRect();
    const scale = box.width / section.offsetWidth;  // the slide is drawn scaled inside an SVG
    const style = getComputedStyle(section);
    const limit = {
      right: box.right - parseFloat(style.paddingRight) * scale,
      bottom: box.bottom - parseFloat(style.paddingBottom) * scale,
    };
    const over = [];
    for (const element of section.querySelectorAll('*')) {
      if (element.closest('header, footer')) continue;
      const r = element.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const past = Math.max((r.bottom - limit.bottom) / scale, (r.right - limit.right) / scale);
      const clipped = element.tagName === 'PRE' && element.scrollWidth > element.clientWidth + 1;
      if (past > 2 || clipped) {
        over.push(`${element.tagName.toLowerCase()} ${clipped ? 'cut at its right edge' : `${Math.round(past)} px past the edge`}`);
      }
    }
    const title = section.querySelector('h1, h2');
    return { slide: index + 1, title: title ? title.textContent : '', over: [...new Set(over)] };
  }).filter((s) => s.over.length);
});
await browser.close();
for (const s of found) console.log(`slide ${s.slide} (${s.title}): ${s.over.join('; ')}`);
process.exit(found.length ? 1 : 0);
