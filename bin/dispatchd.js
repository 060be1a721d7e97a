#!/usr/bin/env node
// CommonJS like bin/dispatch.js (bin/package.json); the daemon itself is an ES module.
import('../dist/daemon/main.js');
