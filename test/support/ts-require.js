'use strict';
/**
 * Lets a child process of a test load the TypeScript sources directly (transpiled in memory,
 * types ignored), so cross-process tests need no build. `require('…/test/support/ts-require')`
 * before requiring any .ts file.
 */
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
	const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true },
		fileName: filename,
	});
	module._compile(outputText, filename);
};
