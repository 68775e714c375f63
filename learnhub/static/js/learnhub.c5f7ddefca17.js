// LearnHub progressive enhancement. Loaded as an ES module at the end of
// <body>, so it only runs in browsers that support GOV.UK Frontend. Every page
// works without it.
import { initAll } from './govuk-frontend.min.03560aaedbb4.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
