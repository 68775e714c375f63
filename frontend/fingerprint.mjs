// Give each built asset in learnhub/static a name that changes when its content does, with
// gzip and brotli copies beside it, and write manifest.json (logical name -> hashed name).
// LearnHub's url_for('static', ...) serves the hashed names, which WhiteNoise sends with
// "Cache-Control: max-age=315360000, public, immutable" and compressed when the browser accepts
// it. Run by build.mjs after it writes the assets; needs nothing from node_modules:
//
//   node fingerprint.mjs
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const here = dirname(fileURLToPath(import.meta.url))
const out = join(here, '..', 'learnhub', 'static')
// Must match learnhub/core/assets.py HASHED_NAME.
const HASHED = /\.[0-9a-f]{12}\.[a-z]+(\.gz|\.br)?$/

function hashedName (name, contents) {
  const digest = createHash('sha256').update(contents).digest('hex').slice(0, 12)
  return name.replace(/\.([a-z]+)$/, `.${digest}.$1`)
}

function writeCompressed (file, contents) {
  const gz = gzipSync(contents, { level: 9 })
  const br = brotliCompressSync(contents, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: contents.length }
  })
  // WhiteNoise serves a compressed copy only if it is there; keep it only when it saves bytes.
  if (gz.length < contents.length) writeFileSync(`${file}.gz`, gz)
  if (br.length < contents.length) writeFileSync(`${file}.br`, br)
  return { gz: gz.length, br: br.length }
}

export function fingerprint () {
  for (const dir of ['css', 'js', 'images']) {
    for (const name of readdirSync(join(out, dir))) {
      if (HASHED.test(name)) unlinkSync(join(out, dir, name))
    }
  }
  const manifest = {}
  function emit (name, contents) {
    const hashed = hashedName(name, contents)
    writeFileSync(join(out, hashed), contents)
    const sizes = writeCompressed(join(out, hashed), contents)
    manifest[name] = hashed
    console.log(`${hashed.padEnd(40)} ${String(contents.length).padStart(7)} B  gzip ${String(sizes.gz).padStart(6)} B  br ${String(sizes.br).padStart(6)} B`)
    return hashed
  }
  const read = (name) => readFileSync(join(out, name))
  const govuk = emit('js/govuk-frontend.min.js', read('js/govuk-frontend.min.js'))
  // Our module imports GOV.UK Frontend's by a relative name: point it at the hashed file, so
  // that a new GOV.UK Frontend also gives learnhub.js a new name.
  const ours = read('js/learnhub.js').toString('utf8')
  const specifier = "'./govuk-frontend.min.js'"
  if (!ours.includes(specifier)) throw new Error(`learnhub.js no longer imports ${specifier}`)
  emit('js/learnhub.js', Buffer.from(ours.replace(specifier, `'./${govuk.slice('js/'.length)}'`)))
  emit('css/learnhub.css', read('css/learnhub.css'))
  emit('images/favicon.svg', read('images/favicon.svg'))
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  console.log('manifest.json written')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) fingerprint()
