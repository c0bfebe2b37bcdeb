// Package browser tests the arena demo page (client-js/demo, embedded in the gameserver) in a
// real browser: a Node script (client-js/scripts/demo-browser.mjs, playwright-core) drives
// Debian's headless Chromium at /usr/bin/chromium (`make deps` installs it) against the
// gameserver binary.
//
// It sits outside the data flow: it only starts the server and looks at pages.
package browser
