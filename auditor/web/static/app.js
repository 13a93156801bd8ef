// Auditor: progressive enhancement only. Every page works without this script; with it,
// GOV.UK Frontend and MoJ Frontend components (data-module="govuk-..." / "moj-...")
// upgrade themselves.
//
// Loaded as <script type="module">, so only browsers that support ES modules run it: the
// same test GOV.UK Frontend's page template makes with 'noModule' in
// HTMLScriptElement.prototype. The layout's inline script adds the body classes early to
// avoid a flash of unenhanced content; they are added here too so that enhancement still
// happens if a Content-Security-Policy blocks that inline script.
//
// Both vendored builds are self-contained ES modules; their exports were read from the
// files (scripts/vendor-frontend checks that each still exports initAll).
import { initAll as initGovukFrontend } from './govuk/govuk-frontend.min.js'
import { initAll as initMojFrontend } from './moj/moj-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initGovukFrontend()
initMojFrontend()
