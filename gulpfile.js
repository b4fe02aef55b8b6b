// tsc compiles the TypeScript; gulp copies what tsc does not: node/credential icons,
// codex files (*.node.json), the bundled workflows, sandbox scenarios and sticker assets.
const { src, dest, parallel } = require('gulp');

function copyNodeAssets() {
	return src(['nodes/**/*.{svg,png,json}', 'credentials/**/*.{svg,png}'], { base: '.', encoding: false }).pipe(dest('dist'));
}

function copyWorkflows() {
	return src('workflows/*.json', { base: '.' }).pipe(dest('dist'));
}

function copyExamplesAndAssets() {
	return src(['examples/**/*', 'src/**/*.{json,tgs}'], { base: '.', encoding: false, allowEmpty: true }).pipe(dest('dist'));
}

exports.build = parallel(copyNodeAssets, copyWorkflows, copyExamplesAndAssets);
exports.default = exports.build;
