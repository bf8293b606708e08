// Preload for StrykerJS 9's mocha runner (Stryker 10 needs Node 22; this project supports Node 20).
// The runner requires mocha's lib/cli/* modules by extensionless path, and mocha 12 renamed them
// to .cjs. Letting require() also try .cjs makes those paths resolve; nothing else changes.
// Remove together with the `testRunnerNodeArgs` entry in stryker.config.js on Stryker >= 10.
import Module from 'node:module';

const extensions = /** @type {Record<string, unknown>} */ (Module['_extensions']);
extensions['.cjs'] ??= extensions['.js'];
