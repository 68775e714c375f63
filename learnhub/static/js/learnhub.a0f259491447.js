// LearnHub progressive enhancement. Loaded as an ES module at the end of
// <body>, so it only runs in browsers that support GOV.UK Frontend. Every page
// works without it.
import { initAll } from './govuk-frontend.min.03560aaedbb4.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// The receipt code's Copy and Print buttons (templates/reports/confirmation.html): hidden
// until this script can make them work; without it, the page says how to print.
for (const button of document.querySelectorAll('[data-copy-target]')) {
  const status = document.getElementById(button.dataset.copyStatus)
  const code = document.getElementById(button.dataset.copyTarget)
  if (!code || !status || !navigator.clipboard) continue
  button.hidden = false
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(code.textContent.trim())
      status.textContent = 'Receipt code copied'
    } catch {
      status.textContent = 'Your browser did not let us copy it: select the code and copy it yourself'
    }
  })
}
for (const button of document.querySelectorAll('[data-print-page]')) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}
