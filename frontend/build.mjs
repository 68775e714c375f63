// Build LearnHub's front-end assets into the Python package (learnhub/static).
// The output is committed, so Python users never need Node or npm.
//
//   npm ci && npm run build
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import * as sass from 'sass'
import { fingerprint } from './fingerprint.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const src = join(here, 'src')
const govuk = join(here, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const out = join(here, '..', 'learnhub', 'static')

for (const dir of ['css', 'js', 'images']) mkdirSync(join(out, dir), { recursive: true })

function write (file, contents) {
  writeFileSync(file, contents)
  const raw = Buffer.byteLength(contents)
  const gz = gzipSync(contents, { level: 9 }).length
  console.log(`${file.slice(out.length + 1).padEnd(28)} ${String(raw).padStart(7)} B  gzip ${String(gz).padStart(6)} B`)
}

// 1. CSS: compressed, no source map
const result = sass.compile(join(src, 'learnhub.scss'), {
  style: 'compressed',
  sourceMap: false,
  importers: [new sass.NodePackageImporter(here)],
  loadPaths: [src],
  quietDeps: true
})
// Drop GOV.UK's Crown-only footer rules (crown spacing and the Royal Arms
// "© Crown copyright" crest): LearnHub's footer uses neither.
let css = result.css
const crownOnly = /[^{}]*(?:\.govuk-footer__crown|\.govuk-footer__copyright-logo)[^{}]*\{[^{}]*\}/g
css = css.replace(crownOnly, '')
let previous
do { // remove @media / @supports blocks emptied by the line above
  previous = css
  css = css.replace(/@[^{}]*\{\}/g, '')
} while (css !== previous)

// Guard: nothing of GOV.UK's crown identity, and no url() to a file we don't ship
const forbidden = [/crown/i, /GDS Transport/i, /@font-face/i, /crest/i]
for (const re of forbidden) {
  if (re.test(css)) throw new Error(`learnhub.css contains forbidden ${re}`)
}
for (const [, ref] of css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
  if (!ref.startsWith('data:')) throw new Error(`learnhub.css references unshipped file ${ref}`)
}
write(join(out, 'css', 'learnhub.css'), css + '\n')

// 2. JS: GOV.UK Frontend ES module (without its source map reference) + ours
const govukJs = readFileSync(join(govuk, 'govuk-frontend.min.js'), 'utf8')
  .replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')
write(join(out, 'js', 'govuk-frontend.min.js'), govukJs)
write(join(out, 'js', 'learnhub.js'), readFileSync(join(src, 'js', 'learnhub.js'), 'utf8'))

// 3. Images: our own favicon only (no GOV.UK crown, crest or icons)
copyFileSync(join(src, 'images', 'favicon.svg'), join(out, 'images', 'favicon.svg'))
console.log('images/favicon.svg copied')

// 4. Content-hashed copies (gzip and brotli beside them) and manifest.json, for far-future caching
fingerprint()
