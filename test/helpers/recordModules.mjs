// Loaded with `node --import` into a process under test: appends the URL of every module the
// process resolves (ESM, dynamic import() included, and CommonJS require) to $MODULE_GRAPH_LOG.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const log = process.env['MODULE_GRAPH_LOG'];
if (log) {
  register('./recordModulesLoader.mjs', import.meta.url, { data: { log } });
  const load = Module._load;
  Module._load = function recordedLoad(request, parent, isMain) {
    try {
      const resolved = Module._resolveFilename(request, parent, isMain);
      appendFileSync(log, `${resolved.startsWith('/') ? pathToFileURL(resolved).href : resolved}\n`);
    } catch {
      // Unresolvable: the real load below reports it.
    }
    return load.apply(this, [request, parent, isMain]);
  };
}
